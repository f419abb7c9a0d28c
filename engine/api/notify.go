package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
)

// testRequest is the body of POST /api/v1/notifications/test.
type testRequest struct {
	Types  []string                   `json:"notification_types"`
	Config map[string]json.RawMessage `json:"notification_config"`
}

// testResult is the outcome for one notification type.
type testResult struct {
	Type       string `json:"type"`
	Kind       string `json:"kind,omitempty"` // the Herald kind the type was sent with
	OK         bool   `json:"ok"`
	Error      string `json:"error,omitempty"`
	Field      string `json:"field,omitempty"`     // the setting at fault, as the request named it
	Transient  bool   `json:"transient,omitempty"` // a failure that may pass if tried again
	DurationMS int64  `json:"duration_ms"`
}

// testNotifications builds each requested channel from the request alone
// (nothing is saved, nothing goes through the outbox), sends it a test
// message and reports every outcome; it answers 200 even when sends fail.
func (s *Server) testNotifications(w http.ResponseWriter, r *http.Request) {
	var req testRequest
	if !decode(w, r, &req) {
		return
	}
	if len(req.Types) == 0 {
		writeError(w, http.StatusBadRequest, "notification_types: name at least one type, e.g. [\"email\", \"dingtalk\", \"wechat\"]", "notification_types")
		return
	}
	type job struct {
		typ  string
		kind *channel.Kind
	}
	var jobs []job
	seen := map[string]bool{}
	for _, typ := range req.Types {
		typ = strings.TrimSpace(typ)
		if seen[typ] {
			continue
		}
		seen[typ] = true
		k, ok := kindOf(typ)
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("notification_types: unknown type %q (known: wechat, %s)", typ, strings.Join(kinds.IDs(), ", ")), "notification_types")
			return
		}
		jobs = append(jobs, job{typ, k})
	}
	results := make([]testResult, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { results[i] = s.testOne(r.Context(), j.typ, j.kind, req.Config[j.typ]) })
	}
	wg.Wait()
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

// kindOf finds the kind of a test request's notification type: a kind id or one
// of a kind's aliases ("wechat").
func kindOf(typ string) (*channel.Kind, bool) {
	for _, k := range kinds.All() {
		if slices.ContainsFunc(k.Aliases, func(a string) bool { return strings.EqualFold(a, typ) }) {
			return k, true
		}
	}
	return kinds.Get(typ)
}

// testOne sends the test message for one type.
func (s *Server) testOne(ctx context.Context, typ string, k *channel.Kind, rawCfg json.RawMessage) testResult {
	res := testResult{Type: typ, Kind: k.ID}
	if len(bytes.TrimSpace(rawCfg)) == 0 || string(bytes.TrimSpace(rawCfg)) == "null" {
		res.Error = fmt.Sprintf("notification_config has no %q object with its settings", typ)
		res.Field = "notification_config." + typ
		return res
	}
	raw, given, err := settingsOf(k, rawCfg)
	// Secret values the request carries are masked in everything reported
	// or logged, on top of the app's own redaction.
	local := &redact.Redactor{}
	for key, v := range raw {
		if f, ok := k.Field(key); ok && f.Secret {
			local.Add(v)
		}
	}
	redactErr := func(err error) string { return s.p.Redactor.String(local.Error(err)) }
	if err != nil {
		var fe *channel.FieldError
		if errors.As(err, &fe) {
			res.Field = fe.Field
		}
		if res.Field == "" {
			res.Field = "notification_config." + typ
		}
		res.Error = redactErr(err)
		return res
	}
	ch, err := k.New(raw, s.p.Registry.Deps)
	if err != nil {
		var fe *channel.FieldError
		if errors.As(err, &fe) {
			res.Field = fe.Field
			if name, ok := given[fe.Field]; ok {
				res.Field = name
			}
		}
		res.Error = redactErr(err)
		return res
	}
	sendCtx, cancel := context.WithTimeout(ctx, dispatch.DefaultSendTimeout)
	defer cancel()
	start := time.Now()
	err = ch.Send(sendCtx, registry.TestMessage(typ, start))
	res.DurationMS = time.Since(start).Milliseconds()
	if err != nil {
		res.Error = redactErr(err)
		res.Transient = channel.IsTransient(err)
		s.log.Info("api test push failed", "type", typ, "kind", k.ID, "error", res.Error)
		return res
	}
	res.OK = true
	s.log.Info("api test push sent", "type", typ, "kind", k.ID)
	return res
}

// settingsOf turns one type's JSON object into the kind's raw settings:
// strings as they are, numbers and booleans as text, arrays joined with
// ",", objects (a webhook's headers) as JSON text. given maps a canonical
// field key to the name the request used, so errors name what the client
// sent. A kind may translate the request's own names (Kind.Import: email's enable_tls).
func settingsOf(k *channel.Kind, data json.RawMessage) (raw, given map[string]string, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, nil, fmt.Errorf("%s: the settings must be a JSON object of field names and values", k.ID)
	}
	raw, given = map[string]string{}, map[string]string{}
	for name, v := range obj {
		s, err := settingText(v)
		if err != nil {
			return nil, nil, &channel.FieldError{Kind: k.ID, Field: name, Msg: err.Error()}
		}
		if v == nil {
			continue
		}
		raw[name] = s
		if f, ok := k.Field(name); ok {
			given[f.Key] = name
		}
	}
	if k.Import != nil {
		k.Import(raw, given)
	}
	return raw, given, nil
}

func settingText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	case []any:
		items := make([]string, 0, len(v))
		for _, it := range v {
			switch it.(type) {
			case []any, map[string]any:
				return "", errors.New("an array may hold only strings, numbers or booleans")
			}
			s, _ := settingText(it)
			items = append(items, s)
		}
		return strings.Join(items, ","), nil
	case map[string]any:
		data, err := json.Marshal(v)
		return string(data), err
	}
	return "", fmt.Errorf("unsupported value %T", v)
}
