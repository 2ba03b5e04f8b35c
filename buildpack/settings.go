package buildpack

import (
	"errors"
	"fmt"
	"strings"
)

// Setting is one key of a buildpack's typed settings as the plan's
// settings object of strings holds it: how a field of the struct becomes
// its string (Encode) and back (Decode). Each buildpack lists its fields
// once, pointing into its settings struct, and both directions follow
// from that list (EncodeSettings, DecodeSettings).
type Setting struct {
	// Key is the key in the plan's settings object.
	Key string
	// Always keeps the key in the plan when its value is empty; optional
	// settings appear only when they say something.
	Always bool
	// Encode returns the field's value as the plan records it.
	Encode func() string
	// Decode sets the field from the plan's value.
	Decode func(string) error
}

// TextSetting is a string field, recorded as it is.
func TextSetting(key string, always bool, p *string) Setting {
	return Setting{Key: key, Always: always,
		Encode: func() string { return *p },
		Decode: func(v string) error { *p = v; return nil }}
}

// ListSetting is a list of words (names, paths without spaces), joined
// with spaces.
func ListSetting(key string, p *[]string) Setting {
	return Setting{Key: key,
		Encode: func() string { return strings.Join(*p, " ") },
		Decode: func(v string) error { *p = strings.Fields(v); return nil }}
}

// LinesSetting is a list of lines (configuration lines, sentences), joined
// with newlines.
func LinesSetting(key string, p *[]string) Setting {
	return Setting{Key: key,
		Encode: func() string { return strings.Join(*p, "\n") },
		Decode: func(v string) error {
			*p = nil
			if v != "" {
				*p = strings.Split(v, "\n")
			}
			return nil
		}}
}

// SentenceSetting is a boolean that the plan says to people: text (made
// when the settings are encoded, as it may name other settings) when it
// holds, nothing when it does not. Reading back anything but that text is
// an error.
func SentenceSetting(key string, p *bool, text func() string) Setting {
	return Setting{Key: key,
		Encode: func() string {
			if *p {
				return text()
			}
			return ""
		},
		Decode: func(v string) error {
			if want := text(); v != want {
				return fmt.Errorf("%q is not %q", v, want)
			}
			*p = true
			return nil
		}}
}

// EncodeSettings writes the fields as a plan's settings object.
func EncodeSettings(fields []Setting) map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		if v := f.Encode(); v != "" || f.Always {
			out[f.Key] = v
		}
	}
	return out
}

// DecodeSettings reads a plan's settings object back into the fields. A
// key of none of them goes to other, which reports whether it knew the
// key (other may be nil). The planner wrote the object, so a key nobody
// knows or a value a field cannot have is a bug, and the error names the
// key.
func DecodeSettings(fields []Setting, m map[string]string, other func(key, value string) (bool, error)) error {
	byKey := make(map[string]Setting, len(fields))
	for _, f := range fields {
		byKey[f.Key] = f
	}
	for key, v := range m {
		if err := decodeSetting(byKey, other, key, v); err != nil {
			return fmt.Errorf("plan setting %s: %w", key, err)
		}
	}
	return nil
}

// SettingAppLocation is the setting the engine (not a buildpack) records
// in a plan built from a subdirectory of a repository: where the app lies
// and what the build sees. Buildpacks' settings decoders skip it.
const SettingAppLocation = "app_location"

func decodeSetting(byKey map[string]Setting, other func(key, value string) (bool, error), key, v string) error {
	if key == SettingAppLocation {
		return nil
	}
	if f, ok := byKey[key]; ok {
		return f.Decode(v)
	}
	if other != nil {
		if known, err := other(key, v); err != nil || known {
			return err
		}
	}
	return errors.New("not a setting of this buildpack")
}
