"""A control that changes what chaos hands it, as reporting and tagging
controls do: the activity before it runs (a key, and the argument of
`echo`), the run entry after it, the method's list of entries, the
steady-state result and the journal itself."""


def before_activity_control(context, **kwargs):
    context["marked"] = "before"
    if context.get("name") == "rewritten":
        context["provider"]["arguments"] = "changed by the control"


def after_activity_control(context, state, **kwargs):
    context["seen_after"] = True
    if isinstance(state, dict):
        state["checked_by"] = "gd_marks"


def after_hypothesis_control(context, state, **kwargs):
    state["hypothesis_mark"] = len(state.get("probes") or [])


def after_method_control(context, state, **kwargs):
    state.append("after-method")


def after_rollback_control(context, state, **kwargs):
    state.append({"rolled": len(state)})


def after_experiment_control(context, state, **kwargs):
    state["marked_journal"] = state.get("status")
