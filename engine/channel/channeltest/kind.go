package channeltest

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n/i18ntest"
)

// CheckSchema checks a kind's field schema: its field keys are exactly
// wantKeys in that order, it has qdFields QD fields, its secret keys are
// exactly secrets in field order, and every field has a label and help text.
// Each problem is reported with t.Errorf; the test goes on.
func CheckSchema(t testing.TB, kind *channel.Kind, wantKeys []string, qdFields int, secrets []string) {
	t.Helper()
	keys := make([]string, 0, len(kind.Fields))
	for _, f := range kind.Fields {
		keys = append(keys, f.Key)
		if f.Label == "" || f.Help == "" {
			t.Errorf("%s: field %s lacks a label or help", kind.ID, f.Key)
		}
	}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("%s: fields = %v, want %v", kind.ID, keys, wantKeys)
	}
	if kind.QDFields != qdFields {
		t.Errorf("%s: QDFields = %d, want %d", kind.ID, kind.QDFields, qdFields)
	}
	if got := kind.SecretKeys(); !slices.Equal(got, secrets) {
		t.Errorf("%s: secret keys = %v, want %v", kind.ID, got, secrets)
	}
}

// ParseCase is one row of a Kind.Parse table.
type ParseCase struct {
	Name string
	Raw  map[string]string
	// Want is the whole config Parse must return (compared with
	// reflect.DeepEqual, so every key and default counts); ignored when
	// WantErr is set.
	Want map[string]string
	// WantErr, when not empty, is the exact error text Parse must return;
	// the error must also hold a *channel.FieldError (errors.As).
	WantErr string
	// WantSome, when not nil, replaces Want: only its keys are compared.
	WantSome map[string]string
}

// RunParseCases runs each case as a subtest named after it: Parse(Raw) must
// fail with exactly WantErr, or succeed with exactly Want. The text of every
// expected error must also be free of each of secrets (see AssertNoSecrets).
func RunParseCases(t *testing.T, kind *channel.Kind, cases []ParseCase, secrets ...string) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Helper()
			got, err := kind.Parse(tc.Raw)
			if tc.WantErr != "" {
				if err == nil || err.Error() != tc.WantErr {
					t.Fatalf("err = %v, want %q", err, tc.WantErr)
				}
				var fe *channel.FieldError
				if !errors.As(err, &fe) {
					t.Errorf("err %T is not a FieldError", err)
				}
				AssertNoSecrets(t, err, secrets...)
				i18ntest.Check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tc.WantSome != nil {
				for k, v := range tc.WantSome {
					if got[k] != v {
						t.Errorf("%s = %q, want %q", k, got[k], v)
					}
				}
			} else if !reflect.DeepEqual(map[string]string(got), tc.Want) {
				t.Errorf("config = %v, want %v", got, tc.Want)
			}
		})
	}
}

// QDCase is one row of a Kind.ParseQD table.
type QDCase struct {
	// Name names the subtest; "" names it after In.
	Name string
	// In is QD's ';'-separated string.
	In string
	// Want is the raw settings ParseQD must return, compared with
	// maps.Equal: an empty Want means the import yields nothing. Ignored
	// when WantErr is set.
	Want map[string]string
	// WantErr, when not empty, is the exact error text ParseQD must return.
	WantErr string
}

// RunQDCases runs each case as a subtest named after it or its input: ParseQD(In)
// must fail with exactly WantErr, or succeed with exactly Want.
func RunQDCases(t *testing.T, kind *channel.Kind, cases []QDCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(cmp.Or(tc.Name, tc.In), func(t *testing.T) {
			t.Helper()
			got, err := kind.ParseQD(tc.In)
			if tc.WantErr != "" {
				if err == nil || err.Error() != tc.WantErr {
					t.Fatalf("ParseQD(%q) err = %v, want %q", tc.In, err, tc.WantErr)
				}
				i18ntest.Check(t, err)
				return
			}
			if err != nil || !maps.Equal(got, tc.Want) {
				t.Fatalf("ParseQD(%q) = %v, %v; want %v", tc.In, got, err, tc.Want)
			}
		})
	}
}

// CheckQDImports parses what each successful case imports, with extra
// (what QD keeps elsewhere) on top: it must parse, and every key of
// defaults the import leaves out must keep its default value.
func CheckQDImports(t *testing.T, kind *channel.Kind, cases []QDCase, extra, defaults map[string]string) {
	t.Helper()
	for _, tc := range cases {
		if tc.WantErr != "" {
			continue
		}
		raw := maps.Clone(tc.Want)
		maps.Copy(raw, extra)
		c, err := kind.Parse(raw)
		if err != nil {
			t.Errorf("Parse of the QD import %q: %v", tc.In, err)
			continue
		}
		for k, v := range defaults {
			if _, set := tc.Want[k]; !set && c[k] != v {
				t.Errorf("QD import %q: %s = %q, want the default %q", tc.In, k, c[k], v)
			}
		}
	}
}

// AssertNoSecrets fails the test (without stopping it) when err's text
// contains any of secrets; empty secrets are skipped. A nil err passes.
func AssertNoSecrets(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	text := err.Error()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("error text %q contains the secret %q", text, s)
		}
	}
}

// AssertCanceled fails the test unless err is a non-transient
// context.Canceled and the fake saw no request (requests is its count).
func AssertCanceled(t testing.TB, err error, requests int) {
	t.Helper()
	if err == nil || !errors.Is(err, context.Canceled) || channel.IsTransient(err) {
		t.Fatalf("err = %v, want a non-transient context.Canceled", err)
	}
	if requests != 0 {
		t.Errorf("the fake saw %d requests after cancellation", requests)
	}
}
