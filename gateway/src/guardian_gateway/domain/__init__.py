"""Gateway rules that do not depend on HTTP machinery: client IP, rate-limit keys, cookies, CORS."""
