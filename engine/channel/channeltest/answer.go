package channeltest

import (
	"io"
	"net/http"
	"time"
)

// Answer is a scripted HTTP answer for the fakes of services whose replies
// a test writes out whole: FailNext(Answer{...}) makes the next request get
// it verbatim.
type Answer struct {
	Status int    // HTTP status; 0 means 200
	Body   string // the raw body
	Header http.Header
}

// Write sends a: its headers, contentType unless they set one ("" for
// none), its status and its body.
func (a Answer) Write(w http.ResponseWriter, contentType string) {
	for k, vs := range a.Header {
		w.Header()[k] = vs
	}
	if contentType != "" && a.Header.Get("Content-Type") == "" {
		w.Header().Set("Content-Type", contentType)
	}
	if a.Status == 0 {
		a.Status = http.StatusOK
	}
	w.WriteHeader(a.Status)
	io.WriteString(w, a.Body)
}

// BadGateway is what a gateway in front of a service answers when the
// service is down.
var BadGateway = Answer{Status: http.StatusBadGateway, Body: "<html><body><h1>502 Bad Gateway</h1></body></html>", Header: http.Header{"Content-Type": {"text/html"}}}

// GatewayErrorCases are the error cases of answers that are not the JSON
// service's own (a gateway's pages, a portal, JSON without the service's
// code field noCode), which the kinds whose fakes script Answer classify
// alike. okBody is the service's success body: under a 5xx it still fails.
func GatewayErrorCases[F any](okBody, noCode string) []ErrorCase[F, Answer] {
	return []ErrorCase[F, Answer]{
		{Name: "bad gateway page", Answer: BadGateway, Transient: true, Status: 502, Msg: "502 Bad Gateway"},
		{Name: "503 with Retry-After", Answer: Answer{Status: 503, Body: "down", Header: http.Header{"Retry-After": {"7"}}}, Transient: true, Status: 503, Msg: "down", RetryAfter: 7 * time.Second},
		{Name: "5xx even with " + okBody, Answer: Answer{Status: 500, Body: okBody}, Transient: true, Status: 500},
		{Name: "4xx page", Answer: Answer{Status: 403, Body: "forbidden"}, Status: 403, Msg: "forbidden"},
		{Name: "200 not JSON", Answer: Answer{Body: "<html>portal login</html>"}, Status: 200, Msg: "unexpected answer (not JSON)"},
		{Name: "200 JSON without " + noCode, Answer: Answer{Body: `{"ok":true}`}, Status: 200, Msg: "no " + noCode},
	}
}
