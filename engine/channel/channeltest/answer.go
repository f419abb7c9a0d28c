package channeltest

import (
	"io"
	"net/http"
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
