"""A cost model per million delivered events, from the bench's measurements and AWS's published prices.

Prices: us-east-1, on-demand, as published on the dates below. Free tiers are left out (they would hide the
difference), and so is storage (both designs keep every snapshot; ours adds one latest-state item per job).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Source: https://aws.amazon.com/lambda/pricing/ (us-east-1, Arm, first 7.5 billion GB-seconds a month), read
# 2025-12-01. Duration is billed per 1 ms, and since 2025-08-01 the INIT phase of managed runtimes is billed too.
LAMBDA_ARM_PRICE_PER_GB_SECOND = 0.0000133334
LAMBDA_PRICE_PER_REQUEST = 0.20 / 1_000_000
# Source: https://aws.amazon.com/dynamodb/pricing/on-demand/ (us-east-1, Standard table class, after the
# 2024-11-01 price cut), read 2025-12-01: $0.625 per million write request units, $0.125 per million read units.
DYNAMODB_PRICE_PER_WRITE_UNIT = 0.625 / 1_000_000
DYNAMODB_PRICE_PER_READ_UNIT = 0.125 / 1_000_000
# Source: https://aws.amazon.com/sns/pricing/ (standard topics), read 2025-12-01: $0.50 per million API requests
# (a Publish of up to 64 KB is one request). Deliveries to SQS cost nothing; email and HTTP deliveries are billed
# per subscriber and are the same for both designs, so they are left out.
SNS_PRICE_PER_PUBLISH = 0.50 / 1_000_000
# Source: https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html: "At 1,769 MB, a function has the
# equivalent of one vCPU", CPU being allocated in proportion to memory.
MB_PER_VCPU = 1769
PRICES_DATE = "2025-12-01"

# NOTE: assumed round trips from Lambda in the same region, not measured: the emulator's are loopback plus moto's own
# Python (its TransactWriteItems deep-copies every table, so it slows as tables grow), nothing like AWS's. DynamoDB
# documents single-digit milliseconds; SageMaker and SNS publish no latency. Both designs are priced on these same
# figures, so they move both estimates alike; the CPU part is what differs between the designs.
AWS_LATENCY_MS = {
    "DescribeTrainingJob": 40.0,
    "TransactWriteItems": 12.0,
    "PutItem": 6.0,
    "UpdateItem": 6.0,
    "DeleteItem": 6.0,
    "GetItem": 4.0,
    "Publish": 20.0,
}

WRITE_UNIT_BYTES = 1024


def write_units(size_bytes: float) -> int:
    """Write request units of one standard write of an item of this size: one per 1 KB, rounded up."""
    return max(1, math.ceil(size_bytes / WRITE_UNIT_BYTES))


@dataclass(frozen=True)
class EventCost:
    """What one delivered event costs, on average over the bench's mix."""

    label: str
    memory_mb: int
    billed_ms: float  # mean billed duration per invocation (1 ms granularity)
    write_units: float  # mean DynamoDB write request units per event, table and indexes
    publishes: float  # mean SNS publishes per event

    @property
    def lambda_requests(self) -> float:
        return 1_000_000 * LAMBDA_PRICE_PER_REQUEST

    @property
    def lambda_duration(self) -> float:
        return 1_000_000 * self.memory_mb / 1024 * self.billed_ms / 1000 * LAMBDA_ARM_PRICE_PER_GB_SECOND

    @property
    def dynamodb(self) -> float:
        return 1_000_000 * self.write_units * DYNAMODB_PRICE_PER_WRITE_UNIT

    @property
    def sns(self) -> float:
        return 1_000_000 * self.publishes * SNS_PRICE_PER_PUBLISH

    @property
    def total(self) -> float:
        return self.lambda_requests + self.lambda_duration + self.dynamodb + self.sns


def aws_wait_ms(operations: dict[str, float]) -> float:
    """The assumed time an event spends waiting on AWS, from its mean requests per operation."""
    return sum(AWS_LATENCY_MS.get(operation, 10.0) * count for operation, count in operations.items())


def lambda_duration_ms(cpu_ms: float, wait_ms: float, memory_mb: int) -> float:
    """Duration at `memory_mb` when CPU work runs on its share of a vCPU: CPU time scaled, waiting on AWS as is."""
    return cpu_ms * max(1.0, MB_PER_VCPU / memory_mb) + wait_ms


def init_cost(init_ms: float, memory_mb: int) -> float:
    """What one cold start's INIT phase costs at `memory_mb`, in dollars."""
    return memory_mb / 1024 * init_ms / 1000 * LAMBDA_ARM_PRICE_PER_GB_SECOND
