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
)

// badgeSize is the side of a kind badge in the list.
const badgeSize = 32

// mark is how a kind is drawn: a short mark on a coloured disc, so kinds
// tell apart at a glance without shipping a logo per service.
type mark struct {
	text string
	bg   color.NRGBA
}

// marks are the known kinds' badges; the colours echo the services' own.
var marks = map[string]mark{
	"bark":          {"B", color.NRGBA{0xE5, 0x39, 0x35, 0xFF}},
	"serverchan":    {"S", color.NRGBA{0x2E, 0x7D, 0x32, 0xFF}},
	"wxpusher":      {"WP", color.NRGBA{0x07, 0xC1, 0x60, 0xFF}},
	"email":         {"@", color.NRGBA{0x54, 0x6E, 0x7A, 0xFF}},
	"mailgun":       {"MG", color.NRGBA{0xC0, 0x26, 0x3C, 0xFF}},
	"wecom_app":     {"WC", color.NRGBA{0x1E, 0x88, 0xE5, 0xFF}},
	"telegram":      {"TG", color.NRGBA{0x22, 0x9E, 0xD9, 0xFF}},
	"dingtalk":      {"DT", color.NRGBA{0x00, 0x89, 0xFF, 0xFF}},
	"wecom_webhook": {"WW", color.NRGBA{0x15, 0x65, 0xC0, 0xFF}},
	"webhook":       {"{}", color.NRGBA{0x6A, 0x1B, 0x9A, 0xFF}},
	"feishu":        {"FS", color.NRGBA{0x33, 0x70, 0xFF, 0xFF}},
	"pushplus":      {"P+", color.NRGBA{0xEF, 0x6C, 0x00, 0xFF}},
	"ntfy":          {"N", color.NRGBA{0x33, 0x85, 0x74, 0xFF}},
	"gotify":        {"G", color.NRGBA{0x1C, 0x7E, 0xD6, 0xFF}},
	"desktop":       {"D", color.NRGBA{0x45, 0x5A, 0x64, 0xFF}},
}

// markOf returns the kind's badge; a kind without one gets its initial on a
// colour derived from its id, stable between runs.
func markOf(kindID string) mark {
	if m, ok := marks[kindID]; ok {
		return m
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
	text := canvas.NewText(m.text, color.White)
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
	if text.Text != m.text {
		text.Text = m.text
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
