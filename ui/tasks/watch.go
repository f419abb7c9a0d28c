package tasks

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/ui/localize"
)

// taskWatch are the form's per-task watch overrides: the dead-man's switch
// and the duration anomaly.
type taskWatch struct {
	deadman *widget.Entry
	anomaly *widget.RadioGroup
}

// addWatchRows adds the two rows to the push section.
func (e *editor) addWatchRows(push *grid) {
	e.watch.deadman = entry(lang.L("tasks.form.deadman.off"))
	e.watch.anomaly = radio(e.tri)
	push.add(lang.L("tasks.form.deadman"), "deadman", e.watch.deadman, lang.L("tasks.form.deadman.help"))
	push.add(lang.L("tasks.form.anomaly"), "anomaly", e.watch.anomaly, lang.L("tasks.form.anomaly.help"))
}

func (e *editor) fillWatch(o dispatch.TaskOverrides) {
	e.watch.deadman.SetText(o.Deadman)
	e.watch.anomaly.SetSelected(e.tri.label(triOf(o.Anomaly)))
}

// collectWatch reads the rows into o, the period as the engine parses it.
func (e *editor) collectWatch(o *dispatch.TaskOverrides) []problem {
	o.Anomaly = boolOf(e.tri.value(e.watch.anomaly.Selected))
	v := strings.TrimSpace(e.watch.deadman.Text)
	if err := o.Set("deadman", v, nil); err != nil {
		var fe *dispatch.FieldError
		msg := localize.Error(err)
		if errors.As(err, &fe) {
			msg = localize.Text(fe.Problem())
		}
		return []problem{{"deadman", msg}}
	}
	return nil
}
