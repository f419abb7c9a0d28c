package qinglong

import (
	"errors"
	"slices"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/i18n"
)

// Candidate is one channel an import would create: the variables of one
// kind.
type Candidate struct {
	Kind *channel.Kind
	Name string // the kind's id, or PREFIX-id
	// Raw are the settings to create the channel with, by variable name
	// (upper case): Kind.Parse and the registry accept them as they are.
	Raw map[string]string
	// From names the variable each setting (field key) came from.
	From map[string]string
	// Config is Raw parsed; nil when Err says why the candidate is skipped.
	Config channel.Config
	// Err is why the channel cannot be created: its problems as
	// channel.FieldErrors naming variables, not field keys.
	Err error
}

// Plan is what an import of some variables would do.
type Plan struct {
	Candidates []Candidate // one per kind with a non-empty variable, in the kinds' order
	Unknown    []Var       // non-empty variables no kind reads
}

// Ready lists the candidates that can be created.
func (p Plan) Ready() []Candidate {
	var out []Candidate
	for _, c := range p.Candidates {
		if c.Err == nil {
			out = append(out, c)
		}
	}
	return out
}

// MakePlan groups vars by the kind reading them (a field's Env or one of
// PackedEnv.Vars, case-insensitively) and parses each group. Empty values
// are ignored (qinglong's sample sets every variable empty); a variable
// given twice keeps its last value, as the shell would. prefix, when not
// empty, names the channels "prefix-kind".
func MakePlan(vars []Var, kinds []*channel.Kind, prefix string) Plan {
	var plan Plan
	groups := map[*channel.Kind]map[string]string{}
	for _, v := range vars {
		if strings.TrimSpace(v.Value) == "" {
			continue
		}
		k := kindOf(kinds, v.Name)
		if k == nil {
			plan.Unknown = append(plan.Unknown, v)
			continue
		}
		if groups[k] == nil {
			groups[k] = map[string]string{}
		}
		groups[k][strings.ToUpper(v.Name)] = v.Value
	}
	for _, k := range kinds {
		if raw := groups[k]; raw != nil {
			plan.Candidates = append(plan.Candidates, candidate(k, raw, prefix))
		}
	}
	return plan
}

// kindOf finds the kind reading variable name.
func kindOf(kinds []*channel.Kind, name string) *channel.Kind {
	for _, k := range kinds {
		if slices.ContainsFunc(k.EnvVars(), func(e string) bool { return strings.EqualFold(e, name) }) {
			return k
		}
	}
	return nil
}

func candidate(k *channel.Kind, raw map[string]string, prefix string) Candidate {
	c := Candidate{Kind: k, Name: k.ID, Raw: raw, From: sources(k, raw)}
	if prefix = strings.TrimSpace(prefix); prefix != "" {
		c.Name = prefix + "-" + k.ID
	}
	cfg, err := k.Parse(raw)
	if err != nil {
		c.Err = byVariable(k, err)
		return c
	}
	c.Config = cfg
	return c
}

// sources maps each field key to the variable it is read from: its Env,
// or the packed variable whose unpacking sets it.
func sources(k *channel.Kind, raw map[string]string) map[string]string {
	from := map[string]string{}
	for _, f := range k.Fields {
		if f.Env != "" && raw[strings.ToUpper(f.Env)] != "" {
			from[f.Key] = strings.ToUpper(f.Env)
		}
	}
	if k.PackedEnv == nil {
		return from
	}
	for _, name := range k.PackedEnv.Vars {
		if raw[name] == "" {
			continue
		}
		fields := map[string]string{}
		if k.PackedEnv.Unpack(map[string]string{name: raw[name]}, fields) != nil {
			continue
		}
		for key := range fields {
			if _, taken := from[key]; !taken {
				from[key] = name
			}
		}
	}
	return from
}

// byVariable renames the fields of err's problems to the variables that
// set them, so a person reads "PUSH_PLUS_TOKEN: required".
func byVariable(k *channel.Kind, err error) error {
	var fes channel.FieldErrors
	if !errors.As(err, &fes) {
		return err
	}
	out := make(channel.FieldErrors, len(fes))
	for i, fe := range fes {
		out[i] = &channel.FieldError{Kind: fe.Kind, Field: fe.Field, Msg: fe.Msg, Err: fe.Err}
		if out[i].Msg == "" && fe.Err != nil {
			out[i].Msg = fe.Err.Error()
		}
		if name := variableOf(k, fe.Field); name != "" {
			out[i].Kind, out[i].Field = "", name // the variable is its own label
		}
	}
	return out
}

// variableOf names the variable(s) a field is read from ("" for none):
// its Env, or the packed variables Pack writes it to.
func variableOf(k *channel.Kind, key string) string {
	f, ok := k.Field(key)
	if !ok {
		if slices.Contains(k.EnvVars(), key) {
			return key // PackedEnv's error names its variable
		}
		return ""
	}
	if f.Env != "" {
		return f.Env
	}
	if k.PackedEnv == nil {
		return ""
	}
	vars := map[string]string{}
	k.PackedEnv.Pack(channel.Config{f.Key: "x"}, vars)
	var names []string
	for _, name := range k.PackedEnv.Vars {
		if _, ok := vars[name]; ok {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		names = k.PackedEnv.Vars
	}
	return strings.Join(names, " / ")
}

// Export writes c, a channel of kind k, as qinglong variables in the
// kind's order: fields' Env first, then PackedEnv's. Defaults are left
// out, and secrets (with every packed variable holding one) unless
// withSecrets. dropped lists the keys of set fields no variable holds.
func Export(k *channel.Kind, c channel.Config, withSecrets bool) (vars []Var, dropped []string) {
	public := channel.Config{}
	for key, v := range c {
		if f, ok := k.Field(key); ok && !f.Secret {
			public[key] = v
		}
	}
	held := map[string]bool{}
	for _, f := range k.Fields {
		v := c[f.Key]
		if f.Env == "" || v == "" || v == f.Default {
			continue
		}
		held[f.Key] = true
		if withSecrets || !f.Secret {
			vars = append(vars, Var{Name: f.Env, Value: v})
		}
	}
	vars = append(vars, packed(k, c, public, withSecrets, held)...)
	for _, f := range k.Fields {
		if v := c[f.Key]; v != "" && v != f.Default && !held[f.Key] {
			dropped = append(dropped, f.Key)
		}
	}
	return vars, dropped
}

// packed writes PackedEnv's variables of c; without secrets, only those
// the public fields alone give the same value (a variable packing a
// secret with others is left out whole). held learns the fields packed.
func packed(k *channel.Kind, c, public channel.Config, withSecrets bool, held map[string]bool) []Var {
	if k.PackedEnv == nil {
		return nil
	}
	all, open := map[string]string{}, map[string]string{}
	k.PackedEnv.Pack(c, all)
	k.PackedEnv.Pack(public, open)
	fields := map[string]string{}
	if k.PackedEnv.Unpack(all, fields) == nil {
		for key := range fields {
			held[key] = true
		}
	}
	var vars []Var
	for _, name := range k.PackedEnv.Vars {
		if v := all[name]; v != "" && (withSecrets || open[name] == v) {
			vars = append(vars, Var{Name: name, Value: v})
		}
	}
	return vars
}

// UnknownText is the warning listing variables no kind reads.
func UnknownText(vars []Var) i18n.Text {
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.Name
	}
	return i18n.T("qinglong.unknown", "Count", len(vars), "Names", strings.Join(names, ", "))
}
