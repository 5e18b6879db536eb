"""共性问题 (common problems): appeals of several enterprises grouped by a dispatcher and handled as one.

The design, as built:

- **A problem** (``CommonProblem``) has a title, a description, who created it and when, and a stored stage of
  its own, changed only by ``services``: 待交办 ``collecting`` → 已交办 ``dispatched`` → 办理中 ``handling`` →
  已答复 ``replied``. Once dispatched it carries the lead department (主办), the co-departments (协办), the due
  date and the instructions every member was dispatched with; once replied, the reply (办理情况, 办理结果, 答复企业).
  The members' own states are shown beside it (they are the truth of the loop); the stage says what the
  problem-level actions did.
- **Members** are appeals (``ProblemMember`` rows). An appeal is an active member of at most one problem (a
  partial unique index backs the rule; a removed member's row stays, with who removed it and when, as the
  problem's history). Only an appeal in 已登记 or 已交办 can be grouped, and a replied problem takes no new
  members, so a member of a replied problem can never be grouped again anyway.
- **Who**: dispatchers and supervisors create problems and group / ungroup appeals they can see; dispatching
  members is a dispatcher's action (workflow: ``dispatch``), so only a dispatcher dispatches a problem or adds a
  registered appeal to a dispatched one (a supervisor gets 403). The lead department's handlers accept and reply
  on the problem page. Citywide staff see every problem; a department's staff (handlers, head) the problems
  their department leads or co-handles; enterprises and deputies none — an enterprise sees only its own appeal,
  as always, and not the problem's title (written by staff, it may name other enterprises).
- **Handled as one, through the loop's own actions.** Each problem action runs inside one transaction and calls
  ``lianxi.appeals.actions`` once per member, so every member gets its own event, deadline rows, notifications
  and stats mark, exactly as if acted on alone. All or nothing: a member that fails rolls back every member and
  the problem (the error names the member). Before acting, every member is checked, and the members in a state
  where the action does not apply are named together in one 409; nothing changes.
  - 交办 (``dispatch``): every registered member is dispatched to the same lead and co-departments with the same
    due date — the one given, else the shortest default limit among the members' categories and urgencies. A
    member already dispatched (or accepted) by the same lead department keeps its dispatch and its clock (the
    clock starts at dispatch; restarting it would hide time already spent). A member dispatched to another
    department is **refused** with a 409 naming it and its department: the loop has no dispatch from 已交办
    (转办 is a return by that department, then a new dispatch), so the dispatcher removes it from the problem
    or waits for the return.
  - 签收 (``accept``): every member waiting in 已交办 for the lead department is accepted; members already in
    办理中 are left as they are; 409 when none waits.
  - 办结答复 (``reply``): every member must be in 办理中 with the lead department; each gets the same result,
    outcome and reply text, so every enterprise reads the one reply on its own appeal and is notified by the
    ordinary reply hook. (No attachments: one upload cannot be stored once per member without copying it.)
  - Members that left the loop (不予受理, 已合并) are skipped by every action and shown as such.
- **Adding later**: a registered appeal added to a dispatched (or handling) problem is dispatched at once to the
  problem's lead and co-departments with the problem's due date (the category's default if that date has
  passed); an appeal dispatched to another department is refused (409), one dispatched to the lead joins as it is.
- **After the reply** each enterprise rates its own appeal through the ordinary follow-up (回访); the problem page
  shows every member's rating. A bad rating reopens that member alone (差评整改), handled on its own page.
- Removing a member changes nothing on the appeal: it keeps its state and dispatch and goes on alone.
"""
