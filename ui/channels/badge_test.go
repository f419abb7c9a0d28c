package channels

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/ui/look"
)

// Badge text is small and bold: it must reach WCAG AA's 4.5:1 on every
// kind's colour and on the colours made up for kinds without one, also
// after setBadge redraws a badge for another kind.
func TestBadgeTextContrast(t *testing.T) {
	ids := append(kinds.IDs(), "unknown-kind", "zzz", "a", "")
	reused := newBadge("zzz")
	for _, id := range ids {
		setBadge(reused, id)
		for name, badge := range map[string]fyne.CanvasObject{"new": newBadge(id), "reused": reused} {
			objs := badge.(*fyne.Container).Objects
			disc := objs[0].(*canvas.Rectangle)
			text := objs[1].(*fyne.Container).Objects[0].(*canvas.Text)
			if r := look.Contrast(text.Color, disc.FillColor); r < 4.5 {
				t.Errorf("%s badge of %q: %q contrast %.2f:1, want ≥ 4.5:1", name, id, text.Text, r)
			}
		}
	}
}
