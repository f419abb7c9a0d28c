package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/schedule"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

// Run list bounds for GET /api/v1/runs.
const (
	DefaultRunLimit = 20
	MaxRunLimit     = 1000
)

// --- POST /api/v1/send -----------------------------------------------------

type sendRequest struct {
	Channels []string `json:"channels"`
	All      bool     `json:"all"`
	Title    string   `json:"title"`
	Body     string   `json:"body"`
	Markdown bool     `json:"markdown"`
}

type queuedJSON struct {
	ID      int64  `json:"id"`
	Channel string `json:"channel"`
}

// send queues one outbox row per channel; the running engine delivers them.
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if !decode(w, r, &req) {
		return
	}
	switch {
	case strings.TrimSpace(req.Body) == "" && strings.TrimSpace(req.Title) == "":
		writeError(w, http.StatusBadRequest, "body: the message is empty; give a body or a title", "body")
		return
	case req.All && len(req.Channels) > 0:
		writeError(w, http.StatusBadRequest, "all: give either channels or \"all\": true, not both", "all")
		return
	case !req.All && len(req.Channels) == 0:
		writeError(w, http.StatusBadRequest, "channels: name at least one channel, or send \"all\": true", "channels")
		return
	}
	ctx := r.Context()
	var targets []registry.Channel
	if req.All {
		list, err := s.p.Registry.List(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(list) == 0 {
			writeError(w, http.StatusBadRequest, "all: no channels are registered; add one in Herald first", "all")
			return
		}
		targets = list
	} else {
		list, ok := s.channelsNamed(w, r, req.Channels)
		if !ok {
			return
		}
		targets = list
	}
	m := message.Message{Title: req.Title, Body: req.Body, Markdown: req.Markdown, Level: message.LevelInfo}
	items, err := s.p.Send(ctx, targets, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		IDs    []int64      `json:"ids"`
		Queued []queuedJSON `json:"queued"`
	}{IDs: []int64{}, Queued: []queuedJSON{}}
	names := map[string]string{}
	for _, c := range targets {
		names[c.ID] = c.Name
	}
	for _, it := range items {
		out.IDs = append(out.IDs, it.ID)
		out.Queued = append(out.Queued, queuedJSON{ID: it.ID, Channel: names[it.ChannelID]})
	}
	writeJSON(w, http.StatusAccepted, out)
}

// channelsNamed looks up the channels of names, a channel named twice
// once, for /send and /send/preview. When a name is unknown or the lookup
// fails it has answered the request and returns false.
func (s *Server) channelsNamed(w http.ResponseWriter, r *http.Request, names []string) ([]registry.Channel, bool) {
	var out []registry.Channel
	seen := map[string]bool{}
	for _, name := range names {
		c, err := s.p.Registry.Get(r.Context(), name)
		if errors.Is(err, registry.ErrBadInput) {
			writeError(w, http.StatusNotFound, fmt.Sprintf("channels: no channel called %q", name), "channels")
			return nil, false
		}
		if err != nil {
			s.fail(w, r, err)
			return nil, false
		}
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	return out, true
}

// --- GET /api/v1/outbox/{id} -----------------------------------------------

type deliveryJSON struct {
	At         time.Time `json:"at"`
	DurationMS int64     `json:"duration_ms"`
	OK         bool      `json:"ok"`
	Transient  bool      `json:"transient"`
	Answer     string    `json:"answer"`
}

type outboxJSON struct {
	ID         int64          `json:"id"`
	State      string         `json:"state"`
	Channel    string         `json:"channel"` // the channel's name; its id when it was removed
	ChannelID  string         `json:"channel_id"`
	Source     string         `json:"source"`
	Title      string         `json:"title"`
	Attempts   int            `json:"attempts"`
	LastError  string         `json:"last_error"`
	CreatedAt  time.Time      `json:"created_at"`
	NextAt     time.Time      `json:"next_at,omitzero"` // pending rows: when the next attempt may start
	Deliveries []deliveryJSON `json:"deliveries"`
}

func (s *Server) outbox(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("id: %q is not an outbox id (a positive whole number)", r.PathValue("id")), "id")
		return
	}
	ctx := r.Context()
	it, err := s.p.Store.OutboxItemByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("id: no outbox row %d (finished rows are pruned after a while)", id), "id")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dels, err := s.p.Store.Deliveries(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, err := s.channelName(ctx, it.ChannelID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := outboxJSON{
		ID: it.ID, State: string(it.State), Channel: name, ChannelID: it.ChannelID, Source: it.Source,
		Title: it.Title, Attempts: it.Attempts, LastError: s.p.Redactor.String(it.LastError),
		CreatedAt: it.CreatedAt, Deliveries: make([]deliveryJSON, 0, len(dels)),
	}
	if it.State == store.OutboxPending {
		out.NextAt = it.NextAt
	}
	for _, d := range dels {
		out.Deliveries = append(out.Deliveries, deliveryJSON{At: d.At, DurationMS: d.Duration.Milliseconds(), OK: d.OK,
			Transient: d.Transient, Answer: s.p.Redactor.String(d.Answer)})
	}
	writeJSON(w, http.StatusOK, out)
}

// channelName finds a channel's name by id; a removed channel is named by
// its id.
func (s *Server) channelName(ctx context.Context, id string) (string, error) {
	// Get matches names before ids, so check the id of what it found.
	if c, err := s.p.Registry.Get(ctx, id); err == nil && c.ID == id {
		return c.Name, nil
	} else if err != nil && !errors.Is(err, registry.ErrBadInput) {
		return "", err
	}
	list, err := s.p.Registry.List(ctx)
	if err != nil {
		return "", err
	}
	for _, c := range list {
		if c.ID == id {
			return c.Name, nil
		}
	}
	return id, nil
}

// --- tasks and runs --------------------------------------------------------

// RunJSON is a recorded run as tools read it: the API's runs endpoint (the
// Run schema of openapi.json) and `herald task history --json` alike.
type RunJSON struct {
	ID         int64     `json:"id"`
	Task       string    `json:"task"`
	Trigger    string    `json:"trigger"`
	Status     string    `json:"status"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	DurationMS int64     `json:"duration_ms"`
	ExitCode   *int      `json:"exit_code"`             // command tasks; null when the process never ran or was killed
	HTTPStatus int       `json:"http_status,omitempty"` // http tasks
	Output     string    `json:"output"`
	Error      string    `json:"error"`
}

// NewRunJSON is r as tools read it; redact masks secrets in its output and
// error (nil leaves them as recorded).
func NewRunJSON(r task.Run, redact func(string) string) RunJSON {
	if redact == nil {
		redact = func(s string) string { return s }
	}
	return RunJSON{ID: r.ID, Task: r.TaskName, Trigger: string(r.Trigger), Status: string(r.Status),
		Started: r.Started, Finished: r.Finished, DurationMS: r.Duration().Milliseconds(), ExitCode: r.ExitCode,
		HTTPStatus: r.HTTPStatus, Output: redact(r.Output), Error: redact(r.Error)}
}

type lastRunJSON struct {
	ID       int64     `json:"id"`
	Status   string    `json:"status"`
	Trigger  string    `json:"trigger"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
}

type taskJSON struct {
	Name     string       `json:"name"`
	Kind     string       `json:"kind"`
	Schedule string       `json:"schedule"` // in words: "every 5m", "daily at 08:00", "manual only"
	Enabled  bool         `json:"enabled"`
	Running  bool         `json:"running"`
	NextRun  *time.Time   `json:"next_run"` // null: disabled, manual only, or a one-shot time that passed
	LastRun  *lastRunJSON `json:"last_run"` // null: never ran
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list, err := s.p.Tasks.List(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	running := map[int64]bool{}
	for _, id := range s.p.Tasks.Running() {
		running[id] = true
	}
	now := time.Now()
	out := make([]taskJSON, 0, len(list))
	for _, t := range list {
		tj := taskJSON{Name: t.Name, Kind: string(t.Kind), Schedule: t.Schedule.Describe(), Enabled: t.Enabled, Running: running[t.ID]}
		if t.Enabled {
			// The scheduler knows random delays; without a running engine
			// the schedule itself says when.
			next, ok := s.p.Tasks.NextRun(t.ID)
			if !ok {
				next = t.Schedule.Next(now, time.Local)
			}
			if !next.IsZero() {
				tj.NextRun = &next
			}
		}
		runs, err := s.p.Store.TaskRuns(ctx, t.ID, 0, 1)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(runs) > 0 {
			lr := runs[0]
			tj.LastRun = &lastRunJSON{ID: lr.ID, Status: string(lr.Status), Trigger: string(lr.Trigger), Started: lr.Started, Finished: lr.Finished}
		}
		out = append(out, tj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": out})
}

// runTask starts a manual run and returns at once; the run appears in
// GET /api/v1/runs when it ends.
func (s *Server) runTask(w http.ResponseWriter, r *http.Request) {
	// The endpoint takes no body; one that is there must be JSON, and an
	// empty object at that.
	data, err := io.ReadAll(r.Body)
	if err != nil {
		status, msg, field := decodeError(err)
		writeError(w, status, msg, field)
		return
	}
	if (r.Header.Get("Content-Type") != "" || len(data) > 0) && !isJSON(r) {
		writeError(w, http.StatusUnsupportedMediaType, "send no body, or a JSON one with the header \"Content-Type: application/json\"", "")
		return
	}
	if len(bytes.TrimSpace(data)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var none struct{}
		if err := dec.Decode(&none); err != nil {
			status, msg, field := decodeError(err)
			writeError(w, status, msg, field)
			return
		}
	}
	name := r.PathValue("name")
	ctx := r.Context()
	err = s.p.Tasks.RunNow(ctx, name)
	switch {
	case errors.Is(err, tasks.ErrBadInput):
		writeError(w, http.StatusNotFound, fmt.Sprintf("name: no task called %q", name), "name")
		return
	case errors.Is(err, schedule.ErrUnknownTask):
		writeError(w, http.StatusConflict, fmt.Sprintf("task %q is not loaded by the scheduler yet (added by another Herald process?); try again in a few seconds", name), "name")
		return
	case errors.Is(err, schedule.ErrShutdown):
		writeError(w, http.StatusServiceUnavailable, "Herald is shutting down; no new runs start", "")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{
		"task": strings.TrimSpace(name),
		"runs": "/api/v1/runs?task=" + url.QueryEscape(strings.TrimSpace(name)),
	})
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := DefaultRunLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxRunLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit: must be a whole number from 1 to %d, got %q", MaxRunLimit, v), "limit")
			return
		}
		limit = n
	}
	var before int64
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("before: must be a run id (a positive whole number), got %q", v), "before")
			return
		}
		before = n
	}
	ctx := r.Context()
	var (
		runs []task.Run
		err  error
	)
	if name := q.Get("task"); name != "" {
		runs, err = s.p.Tasks.History(ctx, name, before, limit)
		if errors.Is(err, tasks.ErrBadInput) {
			writeError(w, http.StatusNotFound, fmt.Sprintf("task: no task called %q", name), "task")
			return
		}
	} else {
		runs, err = s.p.Store.Runs(ctx, store.RunFilter{BeforeID: before, Limit: limit})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]RunJSON, 0, len(runs))
	for _, run := range runs {
		out = append(out, NewRunJSON(run, s.p.Redactor.String))
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}
