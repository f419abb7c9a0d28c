package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/secret"
)

// memSecrets keeps the token in memory: the Host check needs no keyring.
type memSecrets struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memSecrets) Set(id, field, v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[id+"/"+field] = v
	return nil
}

func (s *memSecrets) Get(id, field string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id+"/"+field]
	if !ok {
		return "", secret.ErrNotFound
	}
	return v, nil
}

func (s *memSecrets) Delete(id, field string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id+"/"+field)
	return nil
}

// rawGet sends a hand-written HTTP/1.0 request, so that any Host header,
// none included, reaches the server as given.
func rawGet(t *testing.T, addr, host, token string) (int, apiError) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET /api/v1/openapi.json HTTP/1.0\r\n"
	if host != "" {
		req += "Host: " + host + "\r\n"
	}
	if token != "" {
		req += "Authorization: Bearer " + token + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e apiError
	if resp.StatusCode != http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Fatalf("Host %q: status %d with a body that is not the JSON error: %v", host, resp.StatusCode, err)
		}
	}
	return resp.StatusCode, e
}

// Only the loopback names with the listening port pass: a page served
// from a rebound DNS name sends its own name and is refused before the
// token is even looked at.
func TestHostHeaderIsChecked(t *testing.T) {
	ctx := context.Background()
	s := New(Params{Secrets: &memSecrets{}, Addr: "127.0.0.1:0"})
	addr, err := s.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	tok, err := s.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	other := "1"
	if port == other {
		other = "2"
	}
	tests := []struct {
		host, token string
		want        int
	}{
		{"127.0.0.1:" + port, tok, http.StatusOK},
		{"localhost:" + port, tok, http.StatusOK},
		{"LOCALHOST:" + port, tok, http.StatusOK}, // host names ignore case
		{"[::1]:" + port, tok, http.StatusOK},
		{"127.0.0.1:" + port, "", http.StatusUnauthorized},
		{"evil.example:" + port, tok, http.StatusForbidden},
		{"evil.example:" + port, "", http.StatusForbidden},
		{"127.0.0.1:" + other, tok, http.StatusForbidden},
		{"localhost", tok, http.StatusForbidden}, // no port means 80
		{"127.0.0.1", tok, http.StatusForbidden},
		{"", tok, http.StatusForbidden},
		{"127.0.0.1.evil.example:" + port, tok, http.StatusForbidden},
		{"localhost.:" + port, tok, http.StatusForbidden},
		{"[::ffff:127.0.0.1]:" + port, tok, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q token=%t", tt.host, tt.token != ""), func(t *testing.T) {
			status, e := rawGet(t, addr, tt.host, tt.token)
			if status != tt.want {
				t.Fatalf("status %d, want %d (%s)", status, tt.want, e.Error)
			}
			if status == http.StatusForbidden && !strings.Contains(e.Error, "Host") {
				t.Errorf("error %q does not name the Host header", e.Error)
			}
			if status == http.StatusForbidden && !strings.Contains(e.Error, "localhost:"+port) {
				t.Errorf("error %q does not say which Host is accepted", e.Error)
			}
		})
	}
}
