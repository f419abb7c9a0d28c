// Package desktop is a channel that shows a native notification on this
// machine through the running Herald app: useful as a default channel that
// needs no account anywhere.
package desktop

import (
	"context"
	"image/color"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/message"
)

// ID is the kind id.
const ID = "desktop"

// maxBody keeps notifications readable; desktops cut long ones anyway.
const maxBody = 1000

// Kind is the desktop notification.
var Kind = &channel.Kind{
	ID:     ID,
	Name:   "Desktop notification",
	DocURL: "https://github.com/heraldpush/herald#channels",
	Badge:  channel.Badge{Text: "D", Color: color.NRGBA{0x45, 0x5A, 0x64, 0xFF}},
	Rates:  []channel.Rate{{N: 1, Per: time.Second}}, // notifications arriving faster are unreadable
	Fields: []channel.Field{
		{
			Key:   "title_prefix",
			Label: "Title prefix",
			Help:  "Optional text put before every notification's title, e.g. [Herald].",
			Type:  channel.TypeString,
		},
	},
	Network: channel.NetNone,
	Open: func(c channel.Config, deps channel.Deps) (channel.Channel, error) {
		return &desktop{prefix: c.String("title_prefix"), show: deps.Desktop}, nil
	},
}

type desktop struct {
	prefix string
	show   func(title, body string) error
}

func (d *desktop) Send(ctx context.Context, m message.Message) error {
	if err := ctx.Err(); err != nil {
		return &channel.Error{Kind: ID, Msg: "abandoned", Err: err}
	}
	if d.show == nil {
		// Transient: the row stays in the outbox and the app, when running,
		// delivers it.
		return channel.Transient(ID, "no Herald window is running in this process; the desktop app shows it when it runs")
	}
	title := strings.TrimSpace(strings.TrimSpace(d.prefix) + " " + m.Title)
	body := message.TruncateRunes(m.Body, maxBody)
	if title == "" {
		title = message.FirstLine(m.Body)
	}
	if err := d.show(title, body); err != nil {
		return &channel.Error{Kind: ID, Transient: true, Msg: "showing the notification failed", Err: err}
	}
	return nil
}
