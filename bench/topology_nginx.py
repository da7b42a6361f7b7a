"""The nginx in front of the two instances of bench/topology.py: a buffering reverse
proxy with a cache for anonymous pages (docs/OPERATIONS.md, "Production topology")."""

NGINX_CONF = """
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/html html; }}
    proxy_cache_path {prefix}/cache levels=1:2 keys_zone=pages:10m max_size=200m inactive=10m;
    upstream shinbun {{
        server 127.0.0.1:{port_a};
        server 127.0.0.1:{port_b};
        keepalive 32;
    }}
    # Only responses the application marks public are stored; a private or no-store
    # answer (every logged-in page) never is.
    map $upstream_http_cache_control $not_public {{
        ~*\\bpublic\\b 0;
        default 1;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_header_timeout 10s;
        client_body_timeout 10s;
        send_timeout 10s;
        keepalive_timeout 15s;
        client_max_body_size 1m;

        location /static-copy/ {{
            root {prefix};
        }}
        location / {{
            proxy_pass http://shinbun;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_request_buffering on;
            proxy_buffering on;
            proxy_buffers 16 32k;
            proxy_connect_timeout 5s;
            proxy_read_timeout 30s;

            proxy_cache pages;
            proxy_cache_key $scheme$http_host$request_uri;
            # A reader with a session is never served from, nor stored in, the cache.
            proxy_cache_bypass $cookie_sessionid;
            proxy_no_cache $cookie_sessionid $not_public;
            # Set-Cookie responses are not stored: nginx's default, kept (no
            # proxy_ignore_headers Set-Cookie).
            {freshness}
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_cache_use_stale error timeout;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""
# The application marks anonymous pages `public, max-age=<SHINBUN_PAGE_CACHE_SECONDS>,
# s-maxage=<SHINBUN_SHARED_CACHE_SECONDS>` and purges its own shared cache when an article
# changes, but it cannot purge nginx. So nginx keeps a page for one second and then
# revalidates it with the ETag, which the application answers with a 304 from its shared
# cache; "max-age" instead honours the application's header as it is.
FRESHNESS = {
    "revalidate": (
        "proxy_ignore_headers Cache-Control Expires;\n            proxy_cache_valid 200 1s;"
    ),
    "max-age": "",  # honour the application's Cache-Control as it is
}
