"""How requests reach HubSpot, and what its answers say. Internal: the public names
(:class:`~hubassoc_pandas.HubSpotClient`, :class:`~hubassoc_pandas.Timeout`,
:class:`~hubassoc_pandas.Backoff`) are exported by the package itself.

- :mod:`.client`: the client every request goes through: token, base URL, timeouts, and
  an answer read into an :class:`~.responses.ApiResponse`.
- :mod:`.connection`: the pooled connections (picked by requests' adapter) and one exchange
  on them; the only module that sends bytes.
- :mod:`.network`: loopback hosts, proxies, CA bundles; tokens only over HTTPS or loopback.
- :mod:`.responses`: an answer as the engine reads it, and HubSpot's error bodies (pure).
- :mod:`.wire`: a request body an operation serialised itself (pure).
- :mod:`.limit_headers`: the ``X-HubSpot-RateLimit-*`` headers (pure).
- :mod:`.backoff`: how long to wait before sending a failed request again (pure).
"""

__all__: list[str] = []
