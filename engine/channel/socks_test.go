package channel_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel"
)

// socks5Server is a minimal RFC 1928 server (CONNECT only) with RFC 1929
// username/password authentication, enough to prove a channel's socks5://
// proxy setting is used for real.
type socks5Server struct {
	ln       net.Listener
	user, pw string
	mu       sync.Mutex
	connects []string
}

func newSOCKS5(t *testing.T, user, pw string) *socks5Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &socks5Server{ln: ln, user: user, pw: pw}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *socks5Server) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(r, hdr); err != nil || hdr[0] != 5 {
		return
	}
	methods := make([]byte, hdr[1])
	io.ReadFull(r, methods)
	c.Write([]byte{5, 2}) // username/password required
	// RFC 1929: VER ULEN UNAME PLEN PASSWD
	ver, _ := r.ReadByte()
	ulen, _ := r.ReadByte()
	u := make([]byte, ulen)
	io.ReadFull(r, u)
	plen, _ := r.ReadByte()
	p := make([]byte, plen)
	io.ReadFull(r, p)
	if ver != 1 || string(u) != s.user || string(p) != s.pw {
		c.Write([]byte{1, 1})
		return
	}
	c.Write([]byte{1, 0})
	req := make([]byte, 4)
	if _, err := io.ReadFull(r, req); err != nil || req[1] != 1 {
		return
	}
	var host string
	switch req[3] {
	case 1:
		ip := make([]byte, 4)
		io.ReadFull(r, ip)
		host = net.IP(ip).String()
	case 3:
		n, _ := r.ReadByte()
		name := make([]byte, n)
		io.ReadFull(r, name)
		host = string(name)
	default:
		return
	}
	portb := make([]byte, 2)
	io.ReadFull(r, portb)
	addr := net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(portb))))
	s.mu.Lock()
	s.connects = append(s.connects, addr)
	s.mu.Unlock()
	up, err := net.Dial("tcp", addr)
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer up.Close()
	c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
	c.SetDeadline(time.Time{})
	go io.Copy(up, r)
	io.Copy(c, up)
}

func TestClientUsesSOCKS5Proxy(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello via socks")) }))
	defer target.Close()
	socks := newSOCKS5(t, "alice", "s3cret")

	c, err := channel.Client(channel.Deps{HTTP: &http.Client{Timeout: 5 * time.Second}}, "socks5://alice:s3cret@"+socks.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_, body, err := channel.PostJSON(context.Background(), c, "x", target.URL+"/push", map[string]string{"a": "b"}, nil)
	if err != nil || string(body) != "hello via socks" {
		t.Fatalf("body %q, err %v", body, err)
	}
	socks.mu.Lock()
	defer socks.mu.Unlock()
	if len(socks.connects) != 1 || socks.connects[0] != target.Listener.Addr().String() {
		t.Fatalf("SOCKS5 CONNECTs = %q, want one to %s", socks.connects, target.Listener.Addr())
	}

	// Wrong proxy credentials: a transient network error that names neither password.
	bad, _ := channel.Client(channel.Deps{HTTP: &http.Client{Timeout: 5 * time.Second}}, "socks5://alice:wrong-pass@"+socks.ln.Addr().String())
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
