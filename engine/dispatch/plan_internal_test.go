package dispatch

import (
	"slices"
	"testing"
)

// PlanRun renders a message only for the reasons reasonsFor lists, before
// the transaction: every reason Decide gives must be among them.
func TestReasonsForCoversDecide(t *testing.T) {
	missing := 0
	eachRuleCase(func(c ruleCase) {
		s, o, r := c.inputs()
		d := Decide(s, o, c.prior, r, ruleRegistered)
		if d.Reason != "" && !slices.Contains(reasonsFor(r), d.Reason) {
			if missing++; missing <= 5 {
				t.Errorf("%v: Decide gives %q, reasonsFor(%s) = %v", c, d.Reason, r.Status, reasonsFor(r))
			}
		}
	})
}
