package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(apiError{Error: "encode the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeError(w http.ResponseWriter, status int, msg, field string) {
	writeJSON(w, status, apiError{Error: msg, Field: field})
}

// fail answers 500 with the error's text redacted, and logs it.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	msg := s.p.Redactor.Error(err)
	s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "error", msg)
	writeError(w, http.StatusInternalServerError, msg, "")
}

// isJSON reports whether the request says its body is JSON.
func isJSON(r *http.Request) bool {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return false
	}
	cs := params["charset"]
	return cs == "" || strings.EqualFold(cs, "utf-8")
}

// decode reads the JSON body into v, answering 415, 413 or 400 itself and
// returning false when the body is not acceptable. Unknown fields are
// refused so a misspelt one is not silently ignored.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if !isJSON(r) {
		writeError(w, http.StatusUnsupportedMediaType, "send the body as JSON with the header \"Content-Type: application/json\"", "")
		return false
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// One JSON value only: trailing data is most likely a broken client.
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errTrailing
			var mbe *http.MaxBytesError
			if errors.As(terr, &mbe) {
				err = terr
			}
		}
	}
	if err == nil {
		return true
	}
	status, msg, field := decodeError(err)
	writeError(w, status, msg, field)
	return false
}

var errTrailing = errors.New("the body holds more than one JSON value")

func decodeError(err error) (status int, msg, field string) {
	var (
		mbe    *http.MaxBytesError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit), ""
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, "the request body is empty; send a JSON object", ""
	case errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, "the request body is cut short: not complete JSON", ""
	case errors.As(err, &syntax):
		return http.StatusBadRequest, fmt.Sprintf("the request body is not valid JSON (at byte %d): %v", syntax.Offset, err), ""
	case errors.As(err, &typ):
		if typ.Field == "" {
			return http.StatusBadRequest, fmt.Sprintf("the request body must be a JSON object, not a %s", typ.Value), ""
		}
		return http.StatusBadRequest, fmt.Sprintf("%s: must be %s, not a %s", typ.Field, jsonTypeName(typ.Type.Kind().String()), typ.Value), typ.Field
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return http.StatusBadRequest, fmt.Sprintf("%s: unknown field", name), name
	}
	return http.StatusBadRequest, "the request body is not acceptable: " + err.Error(), ""
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	}
	return "a " + goKind
}
