package channels

import (
	"hash/fnv"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/ui/look"
)

// badgeSize is the side of a kind badge in the list.
const badgeSize = 32

// mark is how a kind is drawn: a short mark on a coloured disc, so kinds
// tell apart at a glance without shipping a logo per service.
type mark struct {
	text string
	bg   color.NRGBA
}

// markOf returns the badge the kind declares; a kind without one gets its
// initial on a colour derived from its id, stable between runs.
func markOf(kindID string) mark {
	if k, ok := kinds.Get(kindID); ok && k.Badge.Text != "" {
		return mark{k.Badge.Text, k.Badge.Color}
	}
	h := fnv.New32a()
	h.Write([]byte(kindID))
	v := h.Sum32()
	initial := "?"
	if kindID != "" {
		initial = strings.ToUpper(kindID[:1])
	}
	return mark{initial, color.NRGBA{uint8(0x40 + v%0x80), uint8(0x40 + (v>>8)%0x80), uint8(0x40 + (v>>16)%0x80), 0xFF}}
}

// newBadge draws the kind's badge.
func newBadge(kindID string) fyne.CanvasObject {
	m := markOf(kindID)
	disc := canvas.NewRectangle(m.bg)
	disc.CornerRadius = badgeSize / 2
	disc.SetMinSize(fyne.NewSquareSize(badgeSize))
	text := canvas.NewText(m.text, look.TextOn(m.bg)) // brand colours vary: white or black, whichever reads
	text.TextStyle = fyne.TextStyle{Bold: true}
	text.Alignment = fyne.TextAlignCenter
	text.TextSize = 13
	return container.NewStack(disc, container.NewCenter(text))
}

// setBadge redraws a badge made by newBadge for another kind.
func setBadge(badge fyne.CanvasObject, kindID string) {
	m := markOf(kindID)
	objs := badge.(*fyne.Container).Objects
	disc := objs[0].(*canvas.Rectangle)
	text := objs[1].(*fyne.Container).Objects[0].(*canvas.Text)
	if disc.FillColor != m.bg {
		disc.FillColor = m.bg
		disc.Refresh()
	}
	if fg := look.TextOn(m.bg); text.Text != m.text || text.Color != fg {
		text.Text, text.Color = m.text, fg
		text.Refresh()
	}
}

// kindName is the kind's translated display name; a kind this Herald does
// not know (a newer version's) shows its id.
func kindName(k *channel.Kind, id string) string {
	if k == nil {
		return id
	}
	return lang.X(k.NameKey(), k.Name)
}
