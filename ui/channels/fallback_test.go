package channels

import (
	"testing"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
)

// The detail pane shows a channel's fallbacks; choosing them stores them
// in the push settings, and none removes them.
func TestFallbackInTheDetailPane(t *testing.T) {
	fx := newFixture(t)
	srv := webhooktest.NewServer(t)
	team := fx.add("webhook", "team", srv.Config())
	phone := fx.add("webhook", "phone", srv.Config())
	fx.selectChannel("team")
	if got := fx.v.detail.fallback.Text; got != "No fallback channel" {
		t.Fatalf("fallback line %q", got)
	}
	if fx.v.detail.fallbackRow.Hidden {
		t.Fatal("the fallback line is hidden")
	}
	fe := fx.v.eng.(fallbackEngine)
	if err := fx.v.saveFallback(fe, team.ID, []string{phone.ID}); err != nil {
		t.Fatal(err)
	}
	fx.v.detail.showFallback()
	if got := fx.v.detail.fallback.Text; got != "Fallback: phone" {
		t.Errorf("fallback line %q, want %q", got, "Fallback: phone")
	}
	s, _ := dispatch.LoadSettings(fx.ctx, fx.env.Store)
	if fb := s.Fallbacks[team.ID]; len(fb) != 1 || fb[0] != phone.ID {
		t.Errorf("stored fallbacks %v", s.Fallbacks)
	}
	fx.v.editFallback(team.ID) // the dialog opens with phone ticked
	if top := fx.win.Canvas().Overlays().Top(); top == nil {
		t.Error("no fallback dialog")
	}
	if err := fx.v.saveFallback(fe, team.ID, nil); err != nil {
		t.Fatal(err)
	}
	s, _ = dispatch.LoadSettings(fx.ctx, fx.env.Store)
	if len(s.Fallbacks) != 0 {
		t.Errorf("fallbacks not removed: %v", s.Fallbacks)
	}
}
