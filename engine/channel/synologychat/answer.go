package synologychat

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
)

// answer is Chat's reply; success is a pointer so JSON without it (a
// proxy's own) is not mistaken for success.
type answer struct {
	Success *bool `json:"success"`
	Error   struct {
		Code int `json:"code"`
		// Errors is usually a string ("msg too long"), sometimes absent or
		// an object.
		Errors json.RawMessage `json:"errors"`
	} `json:"error"`
}

// words renders the errors field.
func (a answer) words() string {
	var s string
	if json.Unmarshal(a.Error.Errors, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(a.Error.Errors))
}

// Chat's codes with Herald's reading; the rest are passed on as is.
var codes = map[int]struct {
	msg       string
	transient bool
}{
	117: {"too many messages: Synology Chat is limiting this webhook", true},
	102: {"the Synology Chat API is missing: is the Chat Server package running?", true},
	404: {"the webhook token is wrong or the incoming webhook was deleted: copy its URL again from Synology Chat › Integration", false},
	800: {"the URL names no incoming webhook: copy its URL again from Synology Chat › Integration", false},
	120: {"Chat refused a parameter", false},
	410: {"the message is too long for Synology Chat", false},
}

// readAnswer classifies Chat's reply: HTTP 200 with success true, or false
// with error.code.
func readAnswer(resp *http.Response, body []byte) error {
	if resp.StatusCode/100 != 2 {
		return channel.StatusError(ID, resp, body)
	}
	var a answer
	if err := channel.DecodeJSON(ID, resp, body, &a); err != nil {
		return err
	}
	if a.Success == nil {
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no success): " + channel.Excerpt(body)}
	}
	if *a.Success {
		return nil
	}
	known, ok := codes[a.Error.Code]
	msg := a.words()
	if ok {
		msg = strings.TrimSuffix(known.msg+" ("+msg+")", " ()")
	}
	if msg == "" {
		msg = "failed"
	}
	return channel.ServiceError(ID, a.Error.Code, msg, known.transient)
}
