package dispatch

import (
	"context"
	"fmt"
	"time"

	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
)

// anomalyRows are the warnings about run r's duration: when the task's
// anomaly rule is on (its override, else the global switch), r is a
// success of an automatic or manual run, and its duration lies outside
// the band of the task's earlier successes (DurationAnomaly), one row per
// channel the task pushes to. Read before the run is recorded, so r is not
// among its own history.
func (p *Planner) anomalyRows(ctx context.Context, st *store.Store, s Settings, o TaskOverrides, r task.Run, ids []string) ([]*store.OutboxItem, error) {
	if !overrideOr(o.Anomaly, s.Anomaly.Enabled) || !rulesFor(s, o).push || r.Status != task.StatusSuccess ||
		r.Trigger == task.TriggerTest {
		return nil, nil
	}
	channels := channelsFor(s, o, ids)
	if len(channels) == 0 {
		return nil, nil
	}
	runs, err := st.Runs(ctx, store.RunFilter{TaskID: r.TaskID, Statuses: []task.Status{task.StatusSuccess}, Limit: anomalyHistory})
	if err != nil {
		return nil, fmt.Errorf("read run history for the duration anomaly: %w", err)
	}
	var history []time.Duration
	for _, h := range runs {
		if h.Trigger != task.TriggerTest && h.ID != r.ID {
			history = append(history, h.Duration())
		}
	}
	a, odd := DurationAnomaly(history, r.Duration(), s.Anomaly.K, s.Anomaly.MinRuns)
	if !odd {
		return nil, nil
	}
	msg := AnomalyMessage(s, r, a, len(history), p.Location)
	items := rows(store.SourceRun, channels, msg, r.Finished)
	holdQuiet(s, o, ReasonAnomaly, r.Finished, p.Location, items)
	return items, nil
}
