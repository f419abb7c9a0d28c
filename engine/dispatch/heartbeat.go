package dispatch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// heartbeatTimeout bounds one ping.
const heartbeatTimeout = 10 * time.Second

// Heartbeat pings Herald's heartbeat URL (a healthchecks.io or Uptime Kuma
// push URL, or any URL) so an outside service notices when Herald stops.
// The URL may hold a token: it is read from the keyring at each ping and
// never logged, not even inside an error.
type Heartbeat struct {
	URL  func() (string, error) // "" (or an error): no heartbeat
	HTTP *http.Client           // nil: http.DefaultClient
	Log  *slog.Logger           // nil: none
}

// Ping sends one GET to the URL; a failure is logged, never fatal. It has
// the signature StartWatch takes.
func (h *Heartbeat) Ping(ctx context.Context, _ Settings) {
	log := h.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u, err := h.URL()
	if err != nil || u == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, heartbeatTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		log.Warn("heartbeat URL unusable", "error", scrubURL(err))
		return
	}
	req.Header.Set("User-Agent", "Herald heartbeat")
	client := h.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			log.Warn("heartbeat ping failed", "error", scrubURL(err))
		}
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		log.Warn("heartbeat ping refused", "status", resp.StatusCode)
	}
}

// scrubURL drops the URL an *url.Error quotes: it may hold a token.
func scrubURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + scrubURL(ue.Err)
	}
	return err.Error()
}

// CheckHeartbeatURL checks a heartbeat URL before it is stored: http or
// https with a host. The error never quotes the URL (it may hold a token)
// beyond its scheme.
func CheckHeartbeatURL(v string) error {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		scheme := ""
		if err == nil {
			scheme = u.Scheme + ":"
		}
		return fieldErr("heartbeat.url", "deadman.heartbeat.url_form", "Value", strconv.Quote(scheme+"…"))
	}
	return nil
}
