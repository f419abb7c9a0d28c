package api

import (
	"net/http"
	"strings"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/preview"
	"github.com/heraldpush/herald/engine/registry"
)

// --- POST /api/v1/send/preview ---------------------------------------------

type previewJSON struct {
	Channel  string   `json:"channel"`
	Kind     string   `json:"kind"`
	Requests []string `json:"requests"`
	Cut      []string `json:"cut"`
	Notes    []string `json:"notes"`
	Error    string   `json:"error"`
}

// sendPreview answers what POST /api/v1/send would make each channel send,
// secrets masked; nothing is sent or queued.
func (s *Server) sendPreview(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if !decode(w, r, &req) {
		return
	}
	ctx := r.Context()
	var targets []registry.Channel
	switch {
	case strings.TrimSpace(req.Body) == "" && strings.TrimSpace(req.Title) == "":
		writeError(w, http.StatusBadRequest, "body: the message is empty; give a body or a title", "body")
		return
	case req.All && len(req.Channels) > 0:
		writeError(w, http.StatusBadRequest, "all: give either channels or \"all\": true, not both", "all")
		return
	case req.All:
		list, err := s.p.Registry.List(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		targets = list
	case len(req.Channels) == 0:
		writeError(w, http.StatusBadRequest, "channels: name at least one channel, or send \"all\": true", "channels")
		return
	default:
		list, ok := s.channelsNamed(w, r, req.Channels)
		if !ok {
			return
		}
		targets = list
	}
	m := message.Message{Title: req.Title, Body: req.Body, Markdown: req.Markdown, Level: message.LevelInfo}
	out := struct {
		Previews []previewJSON `json:"previews"`
	}{Previews: []previewJSON{}}
	for _, c := range targets {
		p := previewJSON{Channel: c.Name, Kind: c.Channel.Kind, Requests: []string{}, Cut: []string{}, Notes: []string{}}
		if c.Kind == nil {
			p.Error = "this version of Herald does not know the kind"
			out.Previews = append(out.Previews, p)
			continue
		}
		raw, err := s.p.Registry.Settings(ctx, c)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		res, err := preview.Channel(ctx, c.Kind, raw, m, preview.Options{})
		if err != nil {
			p.Error = s.p.Redactor.Error(err)
		}
		for _, q := range res.Requests {
			p.Requests = append(p.Requests, s.p.Redactor.String(q))
		}
		p.Cut = append(p.Cut, res.Cut...)
		p.Notes = append(p.Notes, res.Notes...)
		if res.Err != "" {
			p.Error = s.p.Redactor.String(res.Err)
		}
		out.Previews = append(out.Previews, p)
	}
	writeJSON(w, http.StatusOK, out)
}
