package sandbox_test

import (
	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

func sandboxReservedCards() map[string]generated.ErrorCode { return sandbox.ReservedCards() }

func callerFor(key string) sandbox.Caller { return sandbox.Caller{SecretKey: key} }
