package task

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/message"
)

func commandTask(c Command, timeout time.Duration) Task {
	return Task{ID: 1, Name: "cmd", Kind: KindCommand, Command: &c, Timeout: timeout}
}

func httpTask(h HTTPCheck, timeout time.Duration) Task {
	return Task{ID: 7, Name: "check", Kind: KindHTTP, HTTP: &h, Timeout: timeout}
}

func TestExecuteHTTP(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "all ok: ready") })
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "maintenance")
	})
	mux.HandleFunc("/code/{code}", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscan(r.PathValue("code"), &code)
		w.WriteHeader(code)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusMovedPermanently)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tests := []struct {
		name       string
		check      HTTPCheck
		status     Status
		httpStatus int
		err        string
		output     string
	}{
		{"200 is success", HTTPCheck{URL: srv.URL + "/ok"}, StatusSuccess, 200, "", "HTTP 200 OK\nall ok: ready"},
		{"503 fails", HTTPCheck{URL: srv.URL + "/down"}, StatusFailure, 503, "status 503 not in 200-299", "HTTP 503 Service Unavailable\nmaintenance"},
		{"204 in 200,204", HTTPCheck{URL: srv.URL + "/code/204", ExpectStatus: "200,204"}, StatusSuccess, 204, "", ""},
		{"201 not in 200,204", HTTPCheck{URL: srv.URL + "/code/201", ExpectStatus: "200,204"}, StatusFailure, 201, "status 201 not in 200,204", ""},
		{"404 expected", HTTPCheck{URL: srv.URL + "/code/404", ExpectStatus: "404"}, StatusSuccess, 404, "", ""},
		{"3xx expected: redirect not followed", HTTPCheck{URL: srv.URL + "/moved", ExpectStatus: "2xx,301"}, StatusSuccess, 301, "", ""},
		{"3xx not expected: redirect followed", HTTPCheck{URL: srv.URL + "/moved"}, StatusSuccess, 200, "", "HTTP 200 OK\nall ok: ready"},
		{"expect body hit", HTTPCheck{URL: srv.URL + "/ok", ExpectBody: "ok"}, StatusSuccess, 200, "", ""},
		{"expect body miss", HTTPCheck{URL: srv.URL + "/down", ExpectStatus: "503", ExpectBody: "ok"}, StatusFailure, 503, `body does not contain "ok"`, ""},
		{"expect regex hit", HTTPCheck{URL: srv.URL + "/ok", ExpectRegex: `re+ady$`}, StatusSuccess, 200, "", ""},
		{"expect regex miss", HTTPCheck{URL: srv.URL + "/down", ExpectStatus: "5xx", ExpectRegex: "ready"}, StatusFailure, 503, "body does not match /ready/", ""},
		{"every failed check named", HTTPCheck{URL: srv.URL + "/down", ExpectBody: "ok", ExpectRegex: "ready"}, StatusFailure, 503,
			`status 503 not in 200-299; body does not contain "ok"; body does not match /ready/`, ""},
		{"bad expect-status", HTTPCheck{URL: srv.URL + "/ok", ExpectStatus: "abc"}, StatusFailure, 0, `expect-status: "abc" is not a status`, ""},
		{"bad regex", HTTPCheck{URL: srv.URL + "/ok", ExpectRegex: "("}, StatusFailure, 0, "expect-regex: not a valid regular expression", ""},
		{"not a URL", HTTPCheck{URL: "ftp://user:SECRET@example.com/"}, StatusFailure, 0, "invalid URL: must be an absolute http:// or https:// URL", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			run := Execute(context.Background(), httpTask(tt.check, 5*time.Second), TriggerManual, ExecOptions{})
			if run.Status != tt.status || run.HTTPStatus != tt.httpStatus || !strings.HasPrefix(run.Error, tt.err) || (tt.err == "" && run.Error != "") {
				t.Errorf("got status %q, HTTP %d, error %q; want %q, HTTP %d, error %q", run.Status, run.HTTPStatus, run.Error, tt.status, tt.httpStatus, tt.err)
			}
			if tt.output != "" && run.Output != tt.output {
				t.Errorf("output %q, want %q", run.Output, tt.output)
			}
			if run.ExitCode != nil {
				t.Errorf("exit code %d recorded for an HTTP check", *run.ExitCode)
			}
		})
	}
}

func TestExecuteHTTPSendsMethodHeadersAndBodyExactly(t *testing.T) {
	t.Parallel()
	type seen struct {
		method, path, query, body, token, ctype, host string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Get("X-Token"), r.Header.Get("Content-Type"), r.Host}
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)

	body := "{\"a\": 1,\n \"b\": \"ü\"}  "
	run := Execute(context.Background(), httpTask(HTTPCheck{
		Method:  "POST",
		URL:     srv.URL + "/hook?x=1",
		Headers: map[string]string{"X-Token": "t0k3n value", "Content-Type": "application/json", "Host": "example.test"},
		Body:    body,
	}, 5*time.Second), TriggerManual, ExecOptions{})
	if run.Status != StatusSuccess || run.HTTPStatus != 201 {
		t.Fatalf("status %q HTTP %d error %q", run.Status, run.HTTPStatus, run.Error)
	}
	want := seen{"POST", "/hook", "x=1", body, "t0k3n value", "application/json", "example.test"}
	if s := <-got; s != want {
		t.Errorf("server saw %+v\nwant %+v", s, want)
	}
}

func TestExecuteHTTPTimeoutAndCancel(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })

	tests := []struct {
		name       string
		path       string
		cancel     bool
		status     Status
		err        string
		httpStatus int
	}{
		{"no answer", "/hang", false, StatusTimeout, "timed out after 200ms", 0},
		{"body stalls", "/slow-body", false, StatusTimeout, "timed out after 200ms", 200},
		{"cancelled", "/hang", true, StatusFailure, "cancelled", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			timeout := 200 * time.Millisecond
			if tt.cancel {
				timeout = time.Minute
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			start := time.Now()
			run := Execute(ctx, httpTask(HTTPCheck{URL: srv.URL + tt.path}, timeout), TriggerAuto, ExecOptions{})
			if run.Status != tt.status || run.Error != tt.err || run.HTTPStatus != tt.httpStatus {
				t.Errorf("got %q %q HTTP %d, want %q %q HTTP %d", run.Status, run.Error, run.HTTPStatus, tt.status, tt.err, tt.httpStatus)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestExecuteHTTPNetworkErrorHidesCredentials(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	run := Execute(context.Background(), httpTask(HTTPCheck{URL: "http://alice:PASSW0RD@" + addr + "/status?token=SECRET&x=1"}, 5*time.Second), TriggerManual, ExecOptions{})
	if run.Status != StatusFailure || run.HTTPStatus != 0 {
		t.Fatalf("status %q HTTP %d", run.Status, run.HTTPStatus)
	}
	for _, leak := range []string{"SECRET", "token", "alice", "PASSW0RD", "@"} {
		if strings.Contains(run.Error, leak) {
			t.Errorf("error %q leaks %q", run.Error, leak)
		}
	}
	if want := "GET http://" + addr + "/status: "; !strings.HasPrefix(run.Error, want) || !strings.Contains(run.Error, "refused") {
		t.Errorf("error %q, want it to start with %q and say the connection was refused", run.Error, want)
	}
}

func TestExecuteHTTPReadsOnlyTheBodyCap(t *testing.T) {
	t.Parallel()
	const huge = 256 << 20
	var written atomic.Int64
	handlerDone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		chunk := bytes.Repeat([]byte("z"), 32<<10)
		copy(chunk, "BODY-START")
		for written.Load() < huge {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
			chunk = bytes.Repeat([]byte("z"), 32<<10)
		}
	}))
	t.Cleanup(srv.Close)

	run := Execute(context.Background(), httpTask(HTTPCheck{URL: srv.URL, ExpectBody: "never there"}, 10*time.Second), TriggerManual, ExecOptions{})
	<-handlerDone
	if run.Status != StatusFailure || run.HTTPStatus != 200 {
		t.Fatalf("status %q HTTP %d error %q", run.Status, run.HTTPStatus, run.Error)
	}
	if want := `body does not contain "never there"; only the first 64 KiB of the body were checked`; run.Error != want {
		t.Errorf("error %q, want %q", run.Error, want)
	}
	if !strings.HasPrefix(run.Output, "HTTP 200 OK\nBODY-START") || !strings.HasSuffix(run.Output, "\n…[rest of body not read]…\n") {
		t.Errorf("output head/tail: %q … %q", run.Output[:30], run.Output[len(run.Output)-30:])
	}
	if len(run.Output) > httpBodyCap+100 {
		t.Errorf("output is %d bytes", len(run.Output))
	}
	// The server can push what the socket buffers hold, not the whole body.
	if w := written.Load(); w >= huge/4 {
		t.Errorf("server wrote %d bytes: the body was read past the cap", w)
	}
}

func TestExecuteRecordsTaskClockAndBadTasks(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	ticks := 0
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		ticks++
		return t0.Add(time.Duration(ticks-1) * time.Minute)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		task Task
		err  string
	}{
		{"unknown kind", context.Background(), Task{ID: 3, Name: "x", Kind: "ftp"}, `unknown task kind "ftp"`},
		{"command without command", context.Background(), Task{ID: 3, Name: "x", Kind: KindCommand}, "command task has no command to run"},
		{"empty command", context.Background(), Task{ID: 3, Name: "x", Kind: KindCommand, Command: &Command{Line: "  "}}, "command task has nothing to run: set a shell line or a program"},
		{"http without check", context.Background(), Task{ID: 3, Name: "x", Kind: KindHTTP}, "http task has no URL to check"},
		{"already cancelled", cancelled, Task{ID: 3, Name: "x", Kind: KindCommand, Command: &Command{Line: "exit 0"}}, "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			run := Execute(tt.ctx, tt.task, TriggerTest, ExecOptions{Now: now})
			if run.Status != StatusFailure || run.Error != tt.err {
				t.Errorf("got %q %q, want failure %q", run.Status, run.Error, tt.err)
			}
			if run.ID != 0 || run.TaskID != 3 || run.TaskName != "x" || run.Trigger != TriggerTest {
				t.Errorf("run identity %+v", run)
			}
			if run.Started.Before(t0) || !run.Finished.After(run.Started) {
				t.Errorf("started %v finished %v: not from the injected clock", run.Started, run.Finished)
			}
		})
	}
}

// TestOutputCaptureMatchesTruncateBytes pins the streaming capture to the
// semantics of message.TruncateBytes on the whole stream, whatever the
// write sizes (runes split across writes included).
func TestOutputCaptureMatchesTruncateBytes(t *testing.T) {
	t.Parallel()
	stream := "HEAD-" + strings.Repeat("ab中文é\n", 5000) + "-TAIL error: disk full"
	for _, limit := range []int{5, 40, 100, 1000, 4096, len(stream) - 1, len(stream), len(stream) + 10} {
		for _, chunk := range []int{1, 3, 7, 4096, len(stream)} {
			c := newOutputCapture(limit)
			for s := stream; len(s) > 0; {
				n := min(chunk, len(s))
				c.Write([]byte(s[:n]))
				s = s[n:]
			}
			got, want := c.String(), message.TruncateBytes(stream, limit)
			if got != want {
				t.Fatalf("limit %d chunk %d:\n got %q\nwant %q", limit, chunk, short(got), short(want))
			}
			if len(c.head) > limit || len(c.tail) > limit || cap(c.head) > limit {
				t.Fatalf("limit %d: buffers %d/%d/%d bytes", limit, len(c.head), cap(c.head), len(c.tail))
			}
		}
	}
}

func TestOutputCaptureRepairsUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"invalid bytes replaced", "ok \xff\xfe end", 100, "ok \uFFFD\uFFFD end"},
		{"truncated rune at the end", "abc\xe4\xb8", 100, "abc\uFFFD\uFFFD"},
		{"replacement growth re-truncated", strings.Repeat("\xff", 30), 30, ""},
	}
	for _, tt := range tests {
		c := newOutputCapture(tt.limit)
		c.Write([]byte(tt.in))
		got := c.String()
		if !utf8.ValidString(got) || len(got) > tt.limit || (tt.want != "" && got != tt.want) {
			t.Errorf("%s: %q (%d bytes)", tt.name, got, len(got))
		}
	}
	// Garbage in a long stream: valid, bounded, head and tail kept.
	c := newOutputCapture(300)
	c.Write([]byte("START"))
	for range 1000 {
		c.Write([]byte("\x80\xff中\xe4"))
	}
	c.Write([]byte("END"))
	if got := c.String(); !utf8.ValidString(got) || len(got) > 300 || !strings.HasPrefix(got, "START") || !strings.HasSuffix(got, "END") || !strings.Contains(got, " bytes cut]") {
		t.Errorf("garbage stream: %q", got)
	}
}

func short(s string) string {
	if len(s) < 200 {
		return s
	}
	return s[:80] + " … " + s[len(s)-80:]
}
