package wrapper

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// EasyPayOf returns the digital wallet a payment used, or nil when it used
// none. The API sends easyPay in three shapes, which the generated
// generated.EasyPayField keeps as sent: an object (since 2022-06-08), the
// legacy string ("토스페이", "TOSSPAY"), or null (and "" on older payments).
// EasyPayOf reads all three: the object as it is, a non-empty legacy string
// as an EasyPay with that Provider and no amounts, null and "" as nil. An
// error means a shape none of these (the contract tests report it as drift).
func EasyPayOf(p *generated.Payment) (*generated.EasyPay, error) {
	if p == nil {
		return nil, nil
	}
	raw, err := p.EasyPay.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("tosspayments: easyPay: %w", err)
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, nil
	case raw[0] == '"':
		var legacy string
		if err := json.Unmarshal(raw, &legacy); err != nil {
			return nil, fmt.Errorf("tosspayments: easyPay: %w", err)
		}
		if legacy == "" {
			return nil, nil
		}
		return &generated.EasyPay{Provider: &legacy}, nil
	case raw[0] == '{':
		ep, err := p.EasyPay.AsEasyPay()
		if err != nil {
			return nil, fmt.Errorf("tosspayments: easyPay: %w", err)
		}
		return &ep, nil
	}
	return nil, fmt.Errorf("tosspayments: easyPay is neither an object, a string nor null (it starts with %q)", raw[:1])
}
