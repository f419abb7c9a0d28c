package pushsettings

import (
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// durationUnits are the units a durationPicker offers, smallest first.
var durationUnits = []struct {
	key     string
	seconds int
}{
	{"views.unit.seconds", 1},
	{"views.unit.minutes", 60},
	{"views.unit.hours", 3600},
	{"views.unit.days", 86400},
}

// errNotWhole is a duration amount that is not a whole number.
var errNotWhole = errors.New("not a whole number")

// durationPicker is a whole number and a unit (seconds to days) for a
// setting stored in seconds, so "1 day" is picked rather than typed as
// 86400.
type durationPicker struct {
	amount *widget.Entry
	unit   *widget.Select
	obj    fyne.CanvasObject
	// setting is on while code sets the widgets: no change is reported.
	setting bool
	// onChange gets the picked seconds, or errNotWhole.
	onChange func(seconds int, err error)
}

func newDurationPicker(onChange func(seconds int, err error)) *durationPicker {
	p := &durationPicker{onChange: onChange}
	p.amount = widget.NewEntry()
	p.amount.OnChanged = func(string) { p.changed() }
	names := make([]string, len(durationUnits))
	for i, u := range durationUnits {
		names[i] = lang.L(u.key)
	}
	// Reading the number in the new unit: people type a number, then pick
	// what it counts.
	p.unit = widget.NewSelect(names, func(string) { p.changed() })
	p.obj = container.NewGridWithColumns(2, p.amount, p.unit)
	return p
}

// set shows seconds in the largest unit that counts it whole.
func (p *durationPicker) set(seconds int) {
	unit := 0
	for i, u := range durationUnits {
		if seconds != 0 && seconds%u.seconds == 0 {
			unit = i
		}
	}
	p.showIn(unit, seconds)
}

// showIn shows seconds in durationUnits[unit], which must count it whole.
func (p *durationPicker) showIn(unit, seconds int) {
	p.setting = true
	defer func() { p.setting = false }()
	p.unit.SetSelectedIndex(unit)
	p.amount.SetText(strconv.Itoa(seconds / durationUnits[unit].seconds))
}

// seconds is the picked duration.
func (p *durationPicker) seconds() (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(p.amount.Text))
	if err != nil || p.unit.SelectedIndex() < 0 {
		return 0, errNotWhole
	}
	return n * durationUnits[p.unit.SelectedIndex()].seconds, nil
}

func (p *durationPicker) changed() {
	if p.setting || p.onChange == nil {
		return
	}
	p.onChange(p.seconds())
}
