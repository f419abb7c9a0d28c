package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/api"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/testenv"
)

// testSecrets is the real OS keyring with the ids moved under a per-test
// prefix, so running the tests on a desktop never touches the user's own
// API token; it records what the server asked for.
type testSecrets struct {
	prefix string
	mu     sync.Mutex
	calls  []string
}

func newTestSecrets(t *testing.T) *testSecrets {
	var b [6]byte
	_, _ = rand.Read(b[:])
	s := &testSecrets{prefix: "apitest-" + hex.EncodeToString(b[:]) + "-"}
	t.Cleanup(func() { _ = secret.Keyring{}.Delete(s.prefix+api.TokenSecretID, api.TokenSecretField) })
	return s
}

func (s *testSecrets) record(op, id, field string) {
	s.mu.Lock()
	s.calls = append(s.calls, op+" "+id+"/"+field)
	s.mu.Unlock()
}

func (s *testSecrets) Set(id, field, v string) error {
	s.record("set", id, field)
	return secret.Keyring{}.Set(s.prefix+id, field, v)
}

func (s *testSecrets) Get(id, field string) (string, error) {
	s.record("get", id, field)
	return secret.Keyring{}.Get(s.prefix+id, field)
}

func (s *testSecrets) Delete(id, field string) error {
	s.record("delete", id, field)
	return secret.Keyring{}.Delete(s.prefix+id, field)
}

func (s *testSecrets) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// fixture is a Herald data folder opened like the app opens it (real
// SQLite store, real keyring), its engine running, and the API on loopback.
type fixture struct {
	t       *testing.T
	env     *host.Env
	secrets *testSecrets
	srv     *api.Server
	base    string
	token   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	testenv.NeedKeyring(t)
	ctx := context.Background()
	dir := t.TempDir()
	env, err := host.Open(ctx, dir, host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if err := env.StartEngine(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.StopEngine(5 * time.Second) })
	f := &fixture{t: t, env: env, secrets: newTestSecrets(t)}
	f.srv = f.server("127.0.0.1:0")
	addr, err := f.srv.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = f.srv.Shutdown(sctx)
	})
	f.base = "http://" + addr
	if f.token, err = f.srv.Token(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

// server builds another API server on the same data folder and keyring.
func (f *fixture) server(addr string) *api.Server {
	return api.New(api.Params{
		Registry: f.env.Registry, Tasks: f.env.Tasks, Dispatcher: f.env.Dispatcher, Store: f.env.Store,
		Redactor: f.env.Redactor, Log: f.env.Log, Secrets: f.secrets, Send: f.env.Send, Addr: addr,
	})
}

// answer is one HTTP response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T, v any) {
	t.Helper()
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, a.body)
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, a.body)
	}
}

type apiError struct {
	Error string `json:"error"`
	Field string `json:"field"`
}

// wantError checks status and the JSON error shape, and the field named.
func (a answer) wantError(t *testing.T, status int, field string, contains ...string) apiError {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %s", a.status, status, a.body)
	}
	var e apiError
	a.json(t, &e)
	if e.Error == "" || e.Field != field {
		t.Errorf("error %+v, want a message and field %q", e, field)
	}
	for _, c := range contains {
		if !strings.Contains(e.Error, c) {
			t.Errorf("error %q does not mention %q", e.Error, c)
		}
	}
	return e
}

// req sends a request with the fixture's token unless headers set
// Authorization ("" removes it); a body is sent as JSON unless headers set
// Content-Type.
func (f *fixture) req(method, path string, body []byte, headers ...string) answer {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, f.base+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+f.token)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			r.Header.Del(headers[i])
		} else {
			r.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: data}
}

func (f *fixture) get(path string) answer { return f.req(http.MethodGet, path, nil) }

func (f *fixture) post(path, body string) answer { return f.req(http.MethodPost, path, []byte(body)) }

// assertNoSecrets checks the data folder (database, WAL, herald.log) and
// the given answers for each secret.
func (f *fixture) assertNoSecrets(secrets []string, answers ...answer) {
	f.t.Helper()
	var blobs []string
	filepath.Walk(f.env.DataDir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			data, _ := os.ReadFile(p)
			blobs = append(blobs, p+"\x00"+string(data))
		}
		return nil
	})
	for i, a := range answers {
		blobs = append(blobs, fmt.Sprintf("answer %d\x00%s\n%v", i, a.body, a.header))
	}
	for _, s := range secrets {
		for _, b := range blobs {
			if strings.Contains(b, s) {
				name, _, _ := strings.Cut(b, "\x00")
				f.t.Errorf("secret %q found in %s", s, name)
			}
		}
	}
}

func (f *fixture) addChannel(kind, name string, cfg map[string]string) {
	f.t.Helper()
	ctx := context.Background()
	c, err := f.env.Registry.Add(ctx, kind, name, cfg)
	if err != nil {
		f.t.Fatalf("add %s channel %q: %v", kind, name, err)
	}
	f.t.Cleanup(func() { _ = f.env.Registry.Remove(ctx, c.ID) })
}

// --- authentication --------------------------------------------------------

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	other := []byte(f.token)
	other[10] ^= 1 // same length, one bit off
	for _, tc := range []struct {
		name, header string
	}{
		{"missing", ""},
		{"wrong, same length", "Bearer " + string(other)},
		{"shorter", "Bearer " + f.token[:16]},
		{"longer", "Bearer " + f.token + "x"},
		{"empty bearer", "Bearer "},
		{"other scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("herald:"+f.token))},
		{"token without scheme", f.token},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/tasks", "/api/v1/openapi.json", "/api/v1/no-such-thing"} {
				a := f.req(http.MethodGet, path, nil, "Authorization", tc.header)
				a.wantError(t, http.StatusUnauthorized, "", "Authorization: Bearer")
				if got := a.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("%s: WWW-Authenticate %q, want Bearer", path, got)
				}
			}
			// A refused POST does nothing: the message is not queued.
			f.req(http.MethodPost, "/api/v1/send", []byte(`{"all":true,"body":"x"}`), "Authorization", tc.header).
				wantError(t, http.StatusUnauthorized, "")
		})
	}
	if a := f.req(http.MethodGet, "/api/v1/tasks", nil, "Authorization", "bearer "+f.token); a.status != http.StatusOK {
		t.Errorf("lower-case scheme: status %d, want 200", a.status)
	}
	a := f.get("/api/v1/tasks")
	if a.status != http.StatusOK {
		t.Fatalf("right token: status %d: %s", a.status, a.body)
	}
	if a.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", a.header.Get("Cache-Control"))
	}
	items, err := f.env.Store.OutboxItems(context.Background(), store.OutboxFilter{})
	if err != nil || len(items) != 0 {
		t.Errorf("outbox after refused requests: %d rows, %v", len(items), err)
	}
	f.assertNoSecrets([]string{f.token})
}

func TestTokenLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	raw, err := base64.RawURLEncoding.DecodeString(f.token)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q: %d bytes, %v; want 32 random bytes in base64url", f.token, len(raw), err)
	}
	// Made on first start and filed in the keyring under api/token.
	calls := f.secrets.Calls()
	if len(calls) < 2 || calls[0] != "get api/token" || calls[1] != "set api/token" {
		t.Errorf("keyring calls %v, want get then set of api/token", calls)
	}
	if kept, err := (secret.Keyring{}).Get(f.secrets.prefix+"api", "token"); err != nil || kept != f.token {
		t.Errorf("keyring holds %q (%v), want the token", kept, err)
	}
	// A second start finds it.
	again := f.server("127.0.0.1:0")
	againAddr, err := again.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Shutdown(ctx)
	if tok, _ := again.Token(ctx); tok != f.token {
		t.Errorf("second server's token differs from the first's")
	}

	// Regenerating replaces it at once in this server...
	old := f.token
	fresh, err := f.srv.RegenerateToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == old || len(fresh) != 43 {
		t.Fatalf("regenerated token %q", fresh)
	}
	f.req(http.MethodGet, "/api/v1/tasks", nil, "Authorization", "Bearer "+old).wantError(t, http.StatusUnauthorized, "")
	f.token = fresh
	if a := f.get("/api/v1/tasks"); a.status != http.StatusOK {
		t.Errorf("new token: status %d", a.status)
	}
	if kept, _ := (secret.Keyring{}).Get(f.secrets.prefix+"api", "token"); kept != fresh {
		t.Error("the keyring does not hold the new token")
	}
	// ...and the other server (another Herald process) re-reads the keyring
	// within tokenReloadEvery: the old token stops working there even if
	// nobody ever presents the new one.
	f.base = "http://" + againAddr
	time.Sleep(api.TokenReloadEvery + 100*time.Millisecond)
	f.req(http.MethodGet, "/api/v1/tasks", nil, "Authorization", "Bearer "+old).wantError(t, http.StatusUnauthorized, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := f.get("/api/v1/tasks")
		if a.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other server still refuses the new token: %d", a.status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	f.req(http.MethodGet, "/api/v1/tasks", nil, "Authorization", "Bearer "+old).wantError(t, http.StatusUnauthorized, "")
	f.assertNoSecrets([]string{old, fresh})
}
