package api_test

import (
	"net/http"
	"testing"

	"github.com/heraldpush/herald/engine/dispatch"
)

// Push settings through the API: keys in their CLI form, all or none.
func TestPushSettingsEndpoints(t *testing.T) {
	f := newFixture(t)
	var s dispatch.Settings
	f.get("/api/v1/push/settings").json(t, &s)
	if !s.Enabled || s.Quiet.Windows != "" || s.Burst.Max != 0 {
		t.Fatalf("defaults %+v", s)
	}
	a := f.req(http.MethodPatch, "/api/v1/push/settings",
		[]byte(`{"quiet.windows": "23:00-07:30; Sat,Sun all day", "quiet.break_through": "on", "burst.max": "5", "burst.window": "2m"}`))
	if a.status != http.StatusOK {
		t.Fatalf("patch: %d %s", a.status, a.body)
	}
	a.json(t, &s)
	want := dispatch.QuietSettings{Windows: "23:00-07:30 daily; sat,sun all day", BreakThrough: true}
	if s.Quiet != want || s.Burst != (dispatch.BurstSettings{Max: 5, Window: 120}) {
		t.Errorf("patched %+v %+v", s.Quiet, s.Burst)
	}
	// A bad key among good ones changes nothing and is named.
	f.req(http.MethodPatch, "/api/v1/push/settings", []byte(`{"burst.max": "7", "quiet.windows": "caturday 1:00-2:00"}`)).
		wantError(t, http.StatusBadRequest, "quiet.windows", `"caturday" is not a day`)
	stored, err := dispatch.LoadSettings(t.Context(), f.env.Store)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Burst.Max != 5 || stored.Quiet != want {
		t.Errorf("a refused patch changed the settings: %+v %+v", stored.Quiet, stored.Burst)
	}
	f.req(http.MethodPatch, "/api/v1/push/settings", []byte(`{}`)).wantError(t, http.StatusBadRequest, "")
	f.req(http.MethodPatch, "/api/v1/push/settings", []byte(`{"colour": "red"}`)).wantError(t, http.StatusBadRequest, "colour", "unknown setting")
}
