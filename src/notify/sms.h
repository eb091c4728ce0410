/*
 * sms.h — the SMS channel: text messages through an HTTP SMS gateway.
 *
 * One channel of the notification layer: send(recipient, template, params)
 * and get back the provider's reference. The gateway (config [sms]) receives
 *
 *   POST sms.url   Content-Type: application/json
 *   X-Egret-Account: sms.account
 *   X-Egret-Timestamp: Unix seconds
 *   X-Egret-Signature: hex HMAC-SHA256 under sms.secret of "<timestamp>.<body>"
 *   {"to": "13800000000", "template": "register_code",
 *    "params": {"code": "123456", "minutes": "10"}, "signature": "egret"}
 *
 * and answers 2xx with {"id": "<reference>"} when it accepted the message.
 * The whole exchange is bounded by sms.timeout_ms, so a caller on an HTTP
 * thread waits at most that long. Neither the phone number nor the
 * parameters (a code is a secret) are ever logged.
 */
#ifndef EG_NOTIFY_SMS_H
#define EG_NOTIFY_SMS_H

#include "core/config.h"
#include "core/status.h"

#define EG_SMS_REFERENCE_MAX 64

struct eg_sms_result {
    char reference[EG_SMS_REFERENCE_MAX]; /* the gateway's message id ("" if it gave none) */
    int http_status;                      /* the gateway's HTTP status (0: no answer) */
};

/* Whether cfg names a gateway (sms.url is set). */
int eg_sms_configured(const struct eg_config *cfg);

/*
 * Send template_id with params — pairs of name and value, ended by NULL,
 * e.g. {"code", "123456", "minutes", "10", NULL} — to the mobile number
 * phone. EG_OK when the gateway accepted it (out filled); EG_E_UNAVAILABLE
 * when no gateway is configured, it cannot be reached in time, or it
 * refused; EG_E_INVALID_PARAMETER for a malformed phone or template.
 * Thread-safe; blocks for at most cfg->sms_timeout_ms.
 */
enum eg_status eg_sms_send(const struct eg_config *cfg, const char *phone, const char *template_id,
                           const char *const *params, struct eg_sms_result *out);

#endif
