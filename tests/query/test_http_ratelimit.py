from certbridge.http.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_within_its_allowance_is_never_asked_to_wait() -> None:
    limiter = RateLimiter(per_minute=3, clock=FakeClock())
    assert [limiter.check("a") for _ in range(3)] == [0.0, 0.0, 0.0]


def test_the_next_query_over_the_allowance_waits_until_the_oldest_leaves_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_minute=2, clock=clock)
    limiter.check("a")
    clock.now += 10
    limiter.check("a")
    clock.now += 5
    assert limiter.check("a") == 45.0
    clock.now += 45
    assert limiter.check("a") == 0.0


def test_clients_are_limited_independently() -> None:
    limiter = RateLimiter(per_minute=1, clock=FakeClock())
    assert limiter.check("a") == 0.0
    assert limiter.check("a") > 0
    assert limiter.check("b") == 0.0


def test_a_zero_allowance_disables_the_limit() -> None:
    limiter = RateLimiter(per_minute=0, clock=FakeClock())
    assert all(limiter.check("a") == 0.0 for _ in range(1000))
