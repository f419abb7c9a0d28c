package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel/dingtalk/dingtalktest"
)

// TestSendPreview: POST /api/v1/send/preview answers each channel's
// request, secrets masked, and sends and queues nothing.
func TestSendPreview(t *testing.T) {
	f := newFixture(t)
	ding := dingtalktest.NewServer(t)
	cfg := ding.Config()
	f.addChannel("dingtalk", "ops", cfg)
	a := f.post("/api/v1/send/preview", `{"channels":["ops","ops"],"title":"Nightly backup","body":"42 files **saved**","markdown":true}`)
	if a.status != http.StatusOK {
		t.Fatalf("preview: %d %s", a.status, a.body)
	}
	var out struct {
		Previews []struct {
			Channel, Kind, Error string
			Requests             []string
		} `json:"previews"`
	}
	a.json(t, &out)
	if len(out.Previews) != 1 || out.Previews[0].Channel != "ops" || out.Previews[0].Kind != "dingtalk" || len(out.Previews[0].Requests) != 1 || out.Previews[0].Error != "" {
		t.Fatalf("preview answered %s", a.body)
	}
	req := out.Previews[0].Requests[0]
	if !strings.HasPrefix(req, "POST /robot/send?access_token=[REDACTED]&timestamp=") || !strings.Contains(req, `"msgtype":"markdown"`) || !strings.Contains(req, "42 files **saved**") {
		t.Errorf("request %q", req)
	}
	for _, key := range []string{"token", "secret"} {
		if strings.Contains(string(a.body), cfg[key]) {
			t.Errorf("the answer shows the %s", key)
		}
	}
	if len(ding.Accepted()) != 0 || ding.Requests() != 0 {
		t.Errorf("DingTalk got %d requests", ding.Requests())
	}
	f.post("/api/v1/send/preview", `{"channels":["nope"],"body":"x"}`).wantError(t, http.StatusNotFound, "channels", `"nope"`)
	f.post("/api/v1/send/preview", `{"channels":["ops"]}`).wantError(t, http.StatusBadRequest, "body")
}
