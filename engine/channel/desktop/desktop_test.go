package desktop

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/desktop/desktoptest"
	"github.com/heraldpush/herald/engine/message"
)

func TestSendShowsThroughTheApp(t *testing.T) {
	type shown struct{ title, body string }
	tests := []struct {
		name   string
		prefix string
		msg    message.Message
		want   shown
	}{
		{"title and body", "", message.Message{Title: "Backup failed", Body: "exit 3"}, shown{"Backup failed", "exit 3"}},
		{"prefix", "[Herald]", message.Message{Title: "Backup failed", Body: "x"}, shown{"[Herald] Backup failed", "x"}},
		{"no title", "", message.Message{Body: "\nfirst line\nsecond"}, shown{"first line", "\nfirst line\nsecond"}},
		{"long body cut", "", message.Message{Title: "t", Body: strings.Repeat("日", 5000)}, shown{"t", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []shown
			ch, err := Kind.New(map[string]string{"title_prefix": tt.prefix}, channel.Deps{Desktop: func(title, body string) error {
				got = append(got, shown{title, body})
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			if err := ch.Send(context.Background(), tt.msg); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].title != tt.want.title {
				t.Fatalf("shown %+v, want title %q", got, tt.want.title)
			}
			if tt.want.body != "" && got[0].body != tt.want.body {
				t.Fatalf("body %q, want %q", got[0].body, tt.want.body)
			}
			if n := len([]rune(got[0].body)); n > maxBody {
				t.Fatalf("body of %d characters, limit %d", n, maxBody)
			}
		})
	}
}

func TestWithoutAnAppTheRowWaits(t *testing.T) {
	ch, _ := Kind.New(nil, channel.Deps{})
	err := ch.Send(context.Background(), message.Message{Title: "t"})
	if err == nil || !channel.IsTransient(err) || !strings.Contains(err.Error(), "no Herald window") {
		t.Fatalf("err = %v, want a transient 'no Herald window' error", err)
	}
	failing, _ := Kind.New(nil, channel.Deps{Desktop: func(string, string) error { return errors.New("dbus down") }})
	if err := failing.Send(context.Background(), message.Message{Title: "t"}); !channel.IsTransient(err) || !strings.Contains(err.Error(), "dbus down") {
		t.Fatalf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := failing.Send(ctx, message.Message{Title: "t"}); channel.IsTransient(err) {
		t.Fatalf("cancelled send classified transient: %v", err)
	}
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, Kind, desktoptest.Fixture)
}
