package channel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
)

func TestClientUsesSOCKS5Proxy(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello via socks")) }))
	defer target.Close()
	socks := channeltest.NewSOCKS5(t, "alice", "s3cret")

	c, err := channel.Client(channel.Deps{HTTP: &http.Client{Timeout: 5 * time.Second}}, "socks5://alice:s3cret@"+socks.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_, body, err := channel.PostJSON(context.Background(), c, "x", target.URL+"/push", map[string]string{"a": "b"}, nil)
	if err != nil || string(body) != "hello via socks" {
		t.Fatalf("body %q, err %v", body, err)
	}
	if c := socks.Connects(); len(c) != 1 || c[0] != target.Listener.Addr().String() {
		t.Fatalf("SOCKS5 CONNECTs = %q, want one to %s", c, target.Listener.Addr())
	}

	// Wrong proxy credentials: a transient network error that names neither password.
	bad, _ := channel.Client(channel.Deps{HTTP: &http.Client{Timeout: 5 * time.Second}}, "socks5://alice:wrong-pass@"+socks.Addr())
	_, _, err = channel.PostJSON(context.Background(), bad, "x", target.URL, nil, nil)
	if err == nil || !channel.IsTransient(err) {
		t.Fatalf("wrong SOCKS credentials: %v", err)
	}
	for _, s := range []string{"wrong-pass", "s3cret"} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error leaks proxy password: %v", err)
		}
	}
}
