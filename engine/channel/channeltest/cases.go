package channeltest

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/message"
)

// ErrorCase is one row of a kind's error table: how the fake is made to
// fail (F is the fake, A its scripted answer) and the *channel.Error the
// send must come back with.
type ErrorCase[F, A any] struct {
	Name string
	// Answer is scripted with FailNext before the send; the zero answer
	// lets the fake's contract answer.
	Answer A
	// Setup, when set, arranges the fake some other way (a clock, keywords).
	Setup func(F)
	// Extra is key/value pairs set on top of the fake's settings.
	Extra     []string
	Transient bool
	Status    int
	Code      string
	// Msg is a substring of the error's Msg (all of it with ExactMsg).
	Msg        string
	RetryAfter time.Duration
}

// ErrorFake is what ErrorSuite needs of a kind's fake.
type ErrorFake[A any] interface {
	Violator
	FailNext(answers ...A)
	AcceptedCount() int
}

// ErrorSuite is how a kind's error table meets its fake.
type ErrorSuite[F ErrorFake[A], A any] struct {
	Kind *channel.Kind
	// New starts a fresh fake for each case.
	New func(t testing.TB) F
	// Open builds the channel aimed at the fake with the key/value pairs
	// kv on top of its settings.
	Open func(t *testing.T, f F, kv ...string) channel.Channel
	// Secrets must never show in an error's text, besides the values the
	// cases' Extra gives secret fields.
	Secrets []string
	// Message is what each case sends; the zero message sends a title and
	// a body.
	Message message.Message
	// ExactMsg: each case's Msg is the error's whole Msg.
	ExactMsg bool
}

// Run runs each case as a subtest: the send fails with a *channel.Error of
// the suite's kind carrying exactly the case's transience, status, code and
// Retry-After and the case's Msg; the fake accepts nothing, sees no
// contract break, and the error's text holds no secret.
func (s ErrorSuite[F, A]) Run(t *testing.T, cases []ErrorCase[F, A]) {
	t.Helper()
	m := s.Message
	if m == (message.Message{}) {
		m = message.Message{Title: "Backup", Body: "failed"}
	}
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			f := s.New(t)
			f.FailNext(tt.Answer)
			if tt.Setup != nil {
				tt.Setup(f)
			}
			err := s.Open(t, f, tt.Extra...).Send(context.Background(), m)
			e := AsError(t, err)
			msgOK := strings.Contains(e.Msg, tt.Msg)
			if s.ExactMsg {
				msgOK = e.Msg == tt.Msg
			}
			if e.Kind != s.Kind.ID || e.Transient != tt.Transient || channel.IsTransient(err) != tt.Transient || e.Status != tt.Status || e.Code != tt.Code || !msgOK {
				t.Errorf("got kind=%s transient=%t status=%d code=%q msg=%q; want transient=%t status=%d code=%q msg~%q",
					e.Kind, e.Transient, e.Status, e.Code, e.Msg, tt.Transient, tt.Status, tt.Code, tt.Msg)
			}
			if got := channel.RetryAfter(err); got != tt.RetryAfter || e.RetryAfter != tt.RetryAfter {
				t.Errorf("RetryAfter = %v (field %v), want %v", got, e.RetryAfter, tt.RetryAfter)
			}
			if f.AcceptedCount() != 0 {
				t.Errorf("the fake accepted a message")
			}
			secrets := slices.Clone(s.Secrets)
			for i := 0; i+1 < len(tt.Extra); i += 2 {
				if fd, ok := s.Kind.Field(tt.Extra[i]); ok && fd.Secret {
					secrets = append(secrets, tt.Extra[i+1])
				}
			}
			AssertNoSecrets(t, err, secrets...)
			NoViolations(t, f)
		})
	}
}

// AsError returns err as a *channel.Error; any other error (or none) fails
// the test.
func AsError(t testing.TB, err error) *channel.Error {
	t.Helper()
	var e *channel.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *channel.Error", err, err)
	}
	return e
}

// AssertError fails the test unless err is a *channel.Error with this
// transience (by channel.IsTransient too), code and status, and a Msg that
// contains msg.
func AssertError(t testing.TB, err error, transient bool, code string, status int, msg string) {
	t.Helper()
	if e := assertError(t, err, transient, code, status); !strings.Contains(e.Msg, msg) {
		t.Errorf("msg = %q, want it to contain %q", e.Msg, msg)
	}
}

// AssertErrorExact is AssertError with msg the whole Msg.
func AssertErrorExact(t testing.TB, err error, transient bool, code string, status int, msg string) {
	t.Helper()
	if e := assertError(t, err, transient, code, status); e.Msg != msg {
		t.Errorf("msg = %q\nwant  %q", e.Msg, msg)
	}
}

func assertError(t testing.TB, err error, transient bool, code string, status int) *channel.Error {
	t.Helper()
	e := AsError(t, err)
	if e.Transient != transient || channel.IsTransient(err) != transient {
		t.Errorf("transient = %v, want %v (%v)", e.Transient, transient, err)
	}
	if e.Code != code || e.Status != status {
		t.Errorf("code, status = %q, %d; want %q, %d (%v)", e.Code, e.Status, code, status, err)
	}
	return e
}

// CatchCase is one row of a fake's self-test: a request a broken client
// might send, and what the fake must answer and record.
type CatchCase struct {
	Name string
	// Method is "" for POST.
	Method string
	// Path is "" for the suite's path.
	Path string
	// Query, when set, goes after a '?'.
	Query string
	// CType is "" for application/json.
	CType string
	Body  string
	// Answer is a substring of the reply.
	Answer string
	// Violation is a substring of the recorded contract break.
	Violation string
	// NoViolation: the request is a setup error or valid, not a break.
	NoViolation bool
}

// CatchSuite is how a fake's self-test reaches it.
type CatchSuite struct {
	// New starts a fresh fake for each case and returns its base URL.
	New func(t *testing.T) (baseURL string, fake Violator)
	// Path is the endpoint the cases post to unless they name another.
	Path string
}

// Run sends each case's request straight to a fresh fake: the reply must
// contain the case's Answer, and the fake must record a violation
// containing Violation (none when NoViolation).
func (s CatchSuite) Run(t *testing.T, cases []CatchCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			base, fake := s.New(t)
			method, path, ctype := cmp.Or(tt.Method, "POST"), cmp.Or(tt.Path, s.Path), cmp.Or(tt.CType, "application/json")
			if tt.Query != "" {
				path += "?" + tt.Query
			}
			req, _ := http.NewRequest(method, base+path, strings.NewReader(tt.Body))
			req.Header.Set("Content-Type", ctype)
			_, body := Do(t, req)
			if !strings.Contains(string(body), tt.Answer) {
				t.Errorf("answer %q, want it to contain %q", body, tt.Answer)
			}
			v := fake.Violations()
			if tt.NoViolation {
				if len(v) != 0 {
					t.Errorf("violations %v, want none", v)
				}
				return
			}
			if len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), tt.Violation) {
				t.Errorf("violations %v, want one about %q", v, tt.Violation)
			}
		})
	}
}

// Acceptor is a fake that records the messages it accepts (T).
type Acceptor[T any] interface {
	Violator
	Accepted() []T
}

// SendOne sends m on ch and returns the one message the fake f accepted;
// a send error, a contract break or another count fails the test.
func SendOne[T any](t testing.TB, ch channel.Channel, f Acceptor[T], m message.Message) T {
	t.Helper()
	acc := send(t, ch, f, m)
	if len(acc) != 1 {
		t.Fatalf("accepted %d messages, want 1", len(acc))
	}
	return acc[0]
}

// Open builds kind's channel from raw; an error fails the test.
func Open(t testing.TB, kind *channel.Kind, raw map[string]string, deps channel.Deps) channel.Channel {
	t.Helper()
	ch, err := kind.New(raw, deps)
	if err != nil {
		t.Fatalf("New(%v): %v", raw, err)
	}
	return ch
}

// SendLast sends m on ch and returns the last message the fake f has
// accepted; a send error, a contract break or nothing accepted fails the
// test.
func SendLast[T any](t testing.TB, ch channel.Channel, f Acceptor[T], m message.Message) T {
	t.Helper()
	acc := send(t, ch, f, m)
	if len(acc) == 0 {
		t.Fatalf("nothing accepted")
	}
	return acc[len(acc)-1]
}

// send sends m on ch and returns all the fake has accepted; a send error
// or a contract break fails the test.
func send[T any](t testing.TB, ch channel.Channel, f Acceptor[T], m message.Message) []T {
	t.Helper()
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	NoViolations(t, f)
	return f.Accepted()
}
