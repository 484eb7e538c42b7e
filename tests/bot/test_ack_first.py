"""Acknowledgements first: acknowledged work waits while other requests wait for their ack."""

from __future__ import annotations

import threading
import time

from slack_bolt import Ack, BoltRequest, BoltResponse

from bot.middleware.ack_first import AckFirst

COMMAND = "command=%2Faffinity&text=help&team_id=T1&user_id=U1&trigger_id=1.2.3"


class FakeApp:
    """Dispatches like Bolt: acknowledges (or not), then submits the listener's work."""

    def __init__(self, gate: AckFirst, acknowledge: bool) -> None:
        self.gate = gate
        self.acknowledge = acknowledge
        self.work: list = []

    def dispatch(self, request: BoltRequest) -> BoltResponse:
        request.context["ack"] = Ack()
        if self.acknowledge:
            request.context.ack()
        self.work.append(self.gate.defer(lambda: time.monotonic()))
        return BoltResponse(status=200, body="")


def dispatch(gate: AckFirst, acknowledge: bool = True):
    app = FakeApp(gate, acknowledge)
    with gate.answering():
        gate.dispatch(app, BoltRequest(body=COMMAND))
    return app.work[0]


def test_acknowledged_work_waits_until_no_request_is_being_answered():
    gate = AckFirst(hold=5.0)
    work = dispatch(gate)
    other_request = gate.answering()
    other_request.__enter__()  # another command is still waiting for its acknowledgement
    started: list[float] = []
    worker = threading.Thread(target=lambda: started.append(work()))
    worker.start()

    time.sleep(0.2)
    assert started == []
    answered_at = time.monotonic()
    other_request.__exit__(None, None, None)
    worker.join(timeout=5)

    assert started and started[0] >= answered_at


def test_work_starts_at_once_on_a_quiet_process():
    gate = AckFirst(hold=5.0)
    work = dispatch(gate)

    before = time.monotonic()
    assert work() - before < 0.1


def test_work_waits_no_longer_than_the_hold():
    gate = AckFirst(hold=0.3)
    work = dispatch(gate)
    with gate.answering():  # a request that never finishes within the hold
        before = time.monotonic()
        started = work()

    assert 0.25 <= started - before < 2.0


def test_work_that_gives_the_acknowledgement_is_never_held():
    gate = AckFirst(hold=5.0)
    work = dispatch(gate, acknowledge=False)  # a view submission: its listener acks
    with gate.answering():
        before = time.monotonic()
        started = work()

    assert started - before < 0.1


def test_work_submitted_outside_an_http_request_is_never_held():
    gate = AckFirst(hold=5.0)
    work = gate.defer(lambda: time.monotonic())  # Socket Mode, background jobs
    with gate.answering():
        before = time.monotonic()
        assert work() - before < 0.1


def test_a_command_is_answered_after_the_pending_acknowledgements(slack_app_factory, fake_slack):
    from bot.features import commands
    from bot.middleware.ack_first import ACKNOWLEDGEMENTS

    harness = slack_app_factory(features=[commands], with_sandbox=False)
    with ACKNOWLEDGEMENTS.answering():  # another request is still waiting for its ack
        sent = harness.slack.command("help")
        assert sent.status_code == 200  # acknowledged at once
        time.sleep(0.3)
        assert fake_slack.responses(sent.response_id) == []  # its work waits
    answer = fake_slack.wait_for("response_url", lambda c: c.response_id == sent.response_id)

    assert "/affinity" in answer.text
