#!/usr/bin/env python3
"""Writes tests/report/session-fixed/events.jsonl: a Game Day session with
fixed times, for the golden report test. Run it again after changing it;
the output is deterministic. It holds decisions (confirm, skip with a
reason, manual done), a failed step, observations of every kind (one with
markup and a pipe, to test escaping), the four milestones, safeguard checks,
a STOP whose reason was written afterwards, a halt action and a rollback."""
import json, os
from datetime import datetime, timedelta, timezone

START = datetime(2026, 3, 14, 9, 0, 0, tzinfo=timezone.utc)
events = []

def at(t):
    return (START + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

def iso(t):
    # Chaos Toolkit's isoformat, as the journal writes it.
    d = START + timedelta(seconds=t)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ("" if d.microsecond == 0 else ".%06d" % d.microsecond) + "+00:00"

def ev(t, kind, **body):
    events.append({"seq": len(events) + 1, "at": at(t), "t": t, "kind": kind, **body})

HEALTH = {"type": "probe", "name": "health-answers-200", "tolerance": 200,
          "provider": {"type": "http", "url": "${base_url}/health", "timeout": 3}}
LATENCY = {"type": "action", "name": "inject-300ms-latency",
           "provider": {"type": "process", "path": "tc", "arguments": ["qdisc", "add", "dev", "eth0", "netem", "delay", "300ms"]}}
KILL = {"type": "action", "name": "kill-primary-db", "dangerous": True,
        "provider": {"type": "python", "module": "chaosdb.actions", "func": "kill_primary", "arguments": {"cluster": "orders"}}}
FLAKY = {"type": "probe", "name": "call-the-orders-api",
         "provider": {"type": "http", "url": "${base_url}/api/orders", "headers": {"Authorization": "Bearer ${token}"}}}
MANUAL = {"type": "manual", "name": "ask-whether-the-alert-fired",
          "instructions": "Ask the on-call whether a latency alert fired, and when.",
          "expect": "The alert fires within two minutes.", "who": "facilitator"}
HALT = {"type": "action", "name": "clear-all-faults-now",
        "provider": {"type": "http", "method": "DELETE", "url": "${base_url}/admin/faults"}}
ROLLBACK = {"type": "action", "name": "remove-latency",
            "provider": {"type": "process", "path": "tc", "arguments": "qdisc del dev eth0 root"}}

experiment = {
    "gameday": 1,
    "title": "Orders API under latency",
    "description": "Slow the orders API down and watch whether people and alerts notice.",
    "tags": ["orders", "latency"],
    "hypothesis": {"statement": "The orders API keeps its SLO and on-call is paged within 2 minutes when it slows by 300 ms.",
                   "backlog": "HB-12", "ilities": ["availability", "observability"]},
    "style": "dungeons-and-dragons",
    "objectives": ["Learn whether a 300 ms slowdown is noticed, and by whom.", "Practise STOP and the rollback."],
    "roles": {"facilitator": "Alex", "safety_monitor": "Sam"},
    "invite": [{"name": "On-call engineer", "role": "participant", "reason": "owns the orders alerts"},
               {"name": "Product owner", "role": "observer", "reason": "wants to see customer impact"}],
    "where": {"people": "room 4 and the team call", "environment": "staging", "production": False,
              "blast_radius": "orders API in staging only; no real customers"},
    "when": {"start": "2026-03-14T09:00:00Z", "duration": "20m", "retrospective": "2026-03-15T14:00:00Z"},
    "approvals": [{"name": "Kim", "role": "service owner", "approved": True, "at": "2026-03-10", "note": "go ahead"}],
    "preflight": ["Staging is healthy", "Everyone knows where STOP is"],
    "configuration": {"base_url": "http://127.0.0.1:8080"},
    "secrets": {"orders": {"token": "***", "password": {"type": "env", "key": "ORDERS_PASSWORD"}}},
    "steady-state-hypothesis": {"title": "The orders API is healthy", "probes": [HEALTH]},
    "method": [LATENCY, KILL, FLAKY, MANUAL],
    "rollbacks": [ROLLBACK],
    "dry": None,
}

ev(0.0, "session_started", experiment=experiment, source="playbooks/orders.yaml", mode="console",
   platform="Linux", node="gameday-host", facilitator="Alex", argv=["gameday", "run", "playbooks/orders.yaml"], cwd="/srv")
ev(0.2, "phase_changed", phase="readiness")
ev(0.3, "decision", phase="readiness", index=0, name="readiness", decision="override", who="Alex",
   reason="the metrics page is not open yet (not ready: preflight 2)")
ev(0.5, "phase_changed", phase="before")
ev(0.6, "hypothesis_started", phase="before")
ev(0.7, "activity_started", run=1, phase="before", index=0, activity=HEALTH, start=iso(0.7))
ev(0.9, "activity_finished", run=1, output={"status": 200, "headers": {"content-type": "application/json"}, "body": {"status": "ok"}},
   status="succeeded", end=iso(0.9), duration=0.2, tolerance_met=True)
ev(1.0, "hypothesis_finished", phase="before", met=True)
ev(1.5, "phase_changed", phase="method")
ev(2.0, "proposal", phase="method", index=0, name="inject-300ms-latency")
ev(12.0, "decision", phase="method", index=0, name="inject-300ms-latency", decision="confirm", who="Alex")
ev(12.1, "activity_started", run=2, phase="method", index=0, activity=LATENCY, start=iso(12.1))
ev(13.4, "activity_finished", run=2, output={"status": 0, "stdout": "latency injected on eth0\n", "stderr": ""},
   status="succeeded", end=iso(13.4), duration=1.3)
ev(20.0, "safeguard_check", name="error-rate-below-5%", met=True, value=0.01)
ev(40.0, "observation", id=1, type="note", text="Dashboards are still green.", author="Sam", step="inject-300ms-latency")
ev(72.0, "observation", id=2, type="observation", text="The on-call opened the logs first, not the dashboards.", author="Alex")
ev(95.0, "milestone", milestone="detected", author="Sam")
ev(100.0, "proposal", phase="method", index=1, name="kill-primary-db")
ev(110.0, "decision", phase="method", index=1, name="kill-primary-db", decision="skip", who="Alex",
   reason="too risky with the product owner watching")
ev(110.1, "activity_started", run=3, phase="method", index=1, activity=KILL, start=iso(110.1))
ev(110.1, "activity_finished", run=3, output=None, status="succeeded", end=iso(110.1), duration=0.0,
   gameday={"decision": "skip", "who": "Alex", "reason": "too risky with the product owner watching"})
ev(130.0, "observation", id=3, type="weakness", text="The on-call could not find the runbook for the orders API.", author="Alex")
ev(140.0, "decision", phase="method", index=2, name="call-the-orders-api", decision="confirm", who="Alex")
ev(140.1, "activity_started", run=4, phase="method", index=2, activity=FLAKY, start=iso(140.1))
ev(143.1, "activity_finished", run=4, output=None, status="failed",
   exception=["Traceback (most recent call last):\n", "  File \"chaoslib/provider/http.py\", line 120\n",
              "chaoslib.exceptions.ActivityFailed: failed to connect to http://127.0.0.1:8080/api/orders: timed out\n"],
   end=iso(143.1), duration=3.0)
ev(150.0, "observation", id=4, type="question", text="Why did the pager not fire? Ask the on-call.", author="Sam")
ev(160.0, "observation", id=5, type="action", text="Add a latency alert on /api/orders p99", author="Alex", owner="Kim", due="2026-04-01")
ev(170.0, "observation", id=6, type="decision", text="Carry on after the failed call: it is part of the exercise.", author="Alex")
ev(185.0, "observation", id=7, type="note", text="Someone typed <script>alert(1)</script> | into the chat & laughed.", author="Sam")
ev(200.0, "milestone", milestone="diagnosed", author="Sam")
ev(210.0, "decision", phase="method", index=3, name="ask-whether-the-alert-fired", decision="done", who="Alex",
   reason="no alert fired; the on-call saw it on the dashboard")
ev(210.1, "activity_started", run=5, phase="method", index=3, activity=MANUAL, start=iso(210.1))
ev(210.1, "activity_finished", run=5, output=None, status="succeeded", end=iso(210.1), duration=0.0,
   gameday={"decision": "done", "who": "Alex", "note": "no alert fired; the on-call saw it on the dashboard"})
ev(290.0, "safeguard_check", name="error-rate-below-5%", met=False, value=0.12)
ev(290.1, "warning", message="safeguard 'error-rate-below-5%' missed its tolerance (value 0.12)")
ev(300.0, "stop", who="Sam", source="key")
ev(300.1, "phase_changed", phase="stopping")
ev(300.2, "activity_started", run=6, phase="stopping", index=0, activity=HALT, start=iso(300.2))
ev(300.5, "activity_finished", run=6, output={"status": 204, "headers": {}, "body": ""}, status="succeeded",
   end=iso(300.5), duration=0.3)
ev(305.0, "observation", id=8, type="decision", text="STOP reason: customers in staging tests saw 12% errors", author="Sam")
ev(310.0, "milestone", milestone="mitigated", author="Sam")
ev(311.0, "phase_changed", phase="rollbacks")
ev(312.0, "decision", phase="rollbacks", index=0, name="remove-latency", decision="confirm", who="Alex")
ev(312.1, "activity_started", run=7, phase="rollbacks", index=0, activity=ROLLBACK, start=iso(312.1))
ev(312.9, "activity_finished", run=7, output={"status": 0, "stdout": "", "stderr": ""}, status="succeeded",
   end=iso(312.9), duration=0.8)
ev(330.0, "milestone", milestone="recovered", author="Sam")
ev(331.0, "run_finished", status="interrupted", deviated=False, end=iso(331.0), duration=331.0)
# Answered in the Debrief after the run: the report prints it with the question.
ev(331.5, "observation", id=9, type="note",
   text="Answer to question #4 (asked at T+00:02:30): the pager rule only watches /health; Kim widens it.", author="Sam")
ev(332.0, "session_ended")

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "session-fixed", "events.jsonl")
with open(out, "w") as f:
    for e in events:
        # Drop None-valued optional fields the way serde skips them.
        f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
print(f"wrote {len(events)} events to {out}")
