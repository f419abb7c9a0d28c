package channeltest

import (
	"errors"
	"maps"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
)

// EnvCase is one set of qinglong notify variables and what Kind.Parse
// makes of them.
type EnvCase struct {
	Name string
	Vars map[string]string
	// Want are the config values expected (other keys are not compared,
	// so defaults need not be listed); ignored when ErrField is set.
	Want channel.Config
	// ErrField is the field (or variable) the parse error must name.
	ErrField string
}

// EnvOf is the qinglong export of c: every field's Env with its value,
// then what PackedEnv packs.
func EnvOf(k *channel.Kind, c channel.Config) map[string]string {
	vars := map[string]string{}
	for _, f := range k.Fields {
		if v := c[f.Key]; f.Env != "" && v != "" {
			vars[f.Env] = v
		}
	}
	if k.PackedEnv != nil {
		k.PackedEnv.Pack(c, vars)
	}
	return vars
}

// RunEnvCases parses each case's variables with k and checks the result;
// every accepted config must come back whole through EnvOf and Parse.
func RunEnvCases(t *testing.T, k *channel.Kind, cases []EnvCase) {
	t.Helper()
	for _, tc := range cases {
		got, err := k.Parse(tc.Vars)
		if tc.ErrField != "" {
			var fes channel.FieldErrors
			if !errors.As(err, &fes) || fes[0].Field != tc.ErrField {
				t.Errorf("%s: Parse(%v) = %v, %v; want an error on %s", tc.Name, tc.Vars, got, err, tc.ErrField)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Parse(%v): %v", tc.Name, tc.Vars, err)
			continue
		}
		for key, want := range tc.Want {
			if got[key] != want {
				t.Errorf("%s: %s = %q, want %q", tc.Name, key, got[key], want)
			}
		}
		vars := EnvOf(k, got)
		back, err := k.Parse(vars)
		if err != nil || !maps.Equal(back, got) {
			t.Errorf("%s: round trip through %v gave %v, %v; want %v", tc.Name, vars, back, err, got)
		}
	}
}
