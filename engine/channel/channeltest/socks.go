package channeltest

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// SOCKS5 is a minimal RFC 1928 server (CONNECT only) with RFC 1929
// username/password authentication, enough to prove a channel's socks5://
// proxy setting is used for real.
type SOCKS5 struct {
	ln       net.Listener
	user, pw string
	mu       sync.Mutex
	connects []string
}

// NewSOCKS5 starts a SOCKS5 server taking user and pw; it is closed when
// the test ends.
func NewSOCKS5(t testing.TB, user, pw string) *SOCKS5 {
	t.Helper()
	s := &SOCKS5{user: user, pw: pw}
	s.ln = listen(t, s.serve)
	return s
}

func (s *SOCKS5) serve(c net.Conn) {
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

// Addr is the server's host:port.
func (s *SOCKS5) Addr() string { return s.ln.Addr().String() }

// URL is socks5://user:password@host:port.
func (s *SOCKS5) URL() string { return "socks5://" + s.user + ":" + s.pw + "@" + s.Addr() }

// Connects returns the targets of the CONNECTs served so far, in order.
func (s *SOCKS5) Connects() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.connects)
}
