package onebot

import (
	"net/http"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
)

// answer is OneBot's reply. retcode is a pointer so JSON without it (a
// proxy's own) is not mistaken for success. go-cqhttp explains failures in
// msg and wording, NapCat in message too.
type answer struct {
	Status  string `json:"status"`
	Retcode *int   `json:"retcode"`
	Msg     string `json:"msg"`
	Wording string `json:"wording"`
	Message string `json:"message"`
}

// words joins the answer's explanations, each once.
func (a answer) words() string {
	var parts []string
	for _, w := range []string{a.Wording, a.Msg, a.Message} {
		if w = strings.TrimSpace(w); w != "" && !strings.Contains(strings.Join(parts, " "), w) {
			parts = append(parts, w)
		}
	}
	if len(parts) == 0 {
		return "status " + a.Status
	}
	return strings.Join(parts, ": ")
}

// readAnswer classifies the reply as OneBot's HTTP communication documents
// it: 401/403 for the token, 404 for an unknown action, 200 with a retcode.
func readAnswer(resp *http.Response, body []byte, api string) error {
	if fix, ok := statusFix(resp.StatusCode, api); ok {
		// OneBot answers these with an empty body; a proxy's words follow.
		if words := channel.Excerpt(body); words != "" {
			fix += " (" + words + ")"
		}
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: fix}
	}
	if resp.StatusCode/100 != 2 {
		return channel.StatusError(ID, resp, body)
	}
	var a answer
	if err := channel.DecodeJSON(ID, resp, body, &a); err != nil {
		return err
	}
	if a.Retcode == nil {
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (no retcode): " + channel.Excerpt(body)}
	}
	switch code := *a.Retcode; {
	case code == 0 && a.Status == "ok", code == 1 && a.Status == "async":
		// async: the implementation queued the message and will send it.
		return nil
	case code == 0, code == 1:
		return &channel.Error{Kind: ID, Status: resp.StatusCode, Msg: "unexpected answer (status " + a.Status + "): " + channel.Excerpt(body)}
	case code == 201:
		// "worker thread pool not initialised": the implementation is starting.
		return channel.ServiceError(ID, code, a.words(), true)
	case code == 104:
		return channel.ServiceError(ID, code, "the QQ account's login expired: log the OneBot implementation in again ("+a.words()+")", false)
	default:
		// 100 bad or missing parameter (unknown group, empty message),
		// 102 data the backend cannot use, 103 failed (risk control…).
		return channel.ServiceError(ID, code, a.words(), false)
	}
}

// statusFix names the fix for the HTTP statuses OneBot documents: 401 no
// token, 403 a wrong one, 404 no such action.
func statusFix(status int, api string) (string, bool) {
	switch status {
	case http.StatusUnauthorized:
		return "the OneBot server wants an access token: set access_token to the access-token of its config", true
	case http.StatusForbidden:
		return "the access token is wrong: copy access-token again from the OneBot server's config", true
	case http.StatusNotFound:
		return "the server has no /" + api + " API: point url at the OneBot HTTP API (not its WebSocket or HTTP POST port)", true
	}
	return "", false
}
