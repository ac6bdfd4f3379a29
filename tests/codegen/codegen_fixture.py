"""A small spec with each construct the generator handles (not the real API's text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

PAGE = {
    "type": "object",
    "required": ["cursors", "connections", "meta"],
    "properties": {
        "cursors": {
            "type": "object",
            "properties": {
                "prev": {"type": ["string", "null"]},
                "next": {"type": ["string", "null"]},
            },
        },
        "connections": {"type": "array", "items": {"type": "string"}},
        "meta": {"type": "object", "properties": {"perPage": {"type": "integer"}}},
    },
    "additionalProperties": False,
}


def _data(ref: str, title: str) -> dict[str, Any]:
    return {
        "content": {
            "application/json": {
                "schema": {
                    "title": title,
                    "type": "object",
                    "required": ["data"],
                    "properties": {"data": {"$ref": f"#/components/schemas/{ref}"}},
                }
            }
        }
    }


FIXTURE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "fixture", "version": "9.9.9"},
    "paths": {
        "/v3/media/upload": [],
        "/v3/widgets": {
            "get": {
                "tags": ["Shop Widgets"],
                "summary": "List widgets",
                "operationId": "listWidgets",
                "parameters": [
                    {
                        "name": "perPage",
                        "in": "query",
                        "schema": {"type": ["integer", "null"], "minimum": 1, "maximum": 50},
                    },
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "filter",
                        "in": "query",
                        "style": "deepObject",
                        "schema": {"$ref": "#/components/schemas/WidgetFilter"},
                    },
                ],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "title": "ListWidgetsResponse",
                                    "allOf": [
                                        {
                                            "type": "object",
                                            "properties": {
                                                "data": {
                                                    "type": "array",
                                                    "items": {
                                                        "$ref": "#/components/schemas/Widget"
                                                    },
                                                }
                                            },
                                        },
                                        {"$ref": "#/components/schemas/ConnectionPaginated"},
                                    ],
                                }
                            }
                        }
                    }
                },
                "security": [{"PersonalAccessToken": ["widgets:read"]}],
            },
            "post": {
                "tags": ["Shop Widgets"],
                "summary": "Create a widget",
                "operationId": "createWidget",
                "parameters": [
                    {"name": "X-Widget-Nonce", "in": "header", "schema": {"type": "string"}}
                ],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "title": "NewWidgetPayload",
                                "type": "object",
                                "required": ["name", "count"],
                                "properties": {
                                    "name": {"type": "string", "maxLength": 5},
                                    "count": {"type": "integer", "minimum": 1, "maximum": 3},
                                    "colour_code": {"enum": ["red", "blue"], "type": "string"},
                                    "ownerId": {"format": "uuid", "type": ["string", "null"]},
                                    "due": {"format": "date-time", "type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"201": _data("Widget", "CreateWidgetResponse")},
                "security": [{"PersonalAccessToken": ["widgets:write"]}],
            },
        },
        "/v3/widgets/batch": {
            "get": {
                "tags": ["Shop Widgets"],
                "summary": "Widgets by id",
                "operationId": "getWidgets",
                "parameters": [
                    {
                        "name": "ids[]",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "array", "items": {"type": "string", "format": "uuid"}},
                    }
                ],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "title": "GetWidgetsResponse",
                                    "type": "object",
                                    "properties": {
                                        "data": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Widget"},
                                        }
                                    },
                                }
                            }
                        }
                    }
                },
                "security": [{"PersonalAccessToken": ["widgets:read"]}],
            }
        },
        "/v3/shops/{shop}/widgets/{widget}/file": {
            "post": {
                "tags": ["Shop Widgets"],
                "summary": "Upload a widget file",
                "operationId": "uploadWidgetFile",
                "parameters": [
                    {
                        "name": "widget",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {"name": "shop", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "title": "NewWidgetFilePayload",
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "label": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"204": {"description": "done"}},
                "security": [{"PersonalAccessToken": ["widgets:write"]}],
            }
        },
        "/v3/ping": {
            "post": {
                "summary": "Ping",
                "operationId": "pingServer",
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "data": {
                                            "type": "object",
                                            "properties": {"pong": {"type": "boolean"}},
                                        }
                                    },
                                }
                            }
                        }
                    }
                },
            }
        },
    },
    "webhooks": {
        "WidgetCreated": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "eventType": {"enum": ["widget.created"], "type": "string"},
                                    "data": {"$ref": "#/components/schemas/Widget"},
                                },
                            }
                        }
                    }
                }
            }
        }
    },
    "components": {
        "schemas": {
            "ConnectionPaginated": PAGE,
            "Colour": {"enum": ["red", "blue"], "type": "string"},
            "Widget": {
                "type": "object",
                "required": ["id", "colour", "createdAt"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "colour": {"$ref": "#/components/schemas/Colour"},
                    "createdAt": {"type": "string", "format": "date-time"},
                    "size": {"type": "object", "properties": {"width": {"type": "integer"}}},
                    "tags": {"type": ["array", "null"], "items": {"type": "string"}},
                },
            },
            "WidgetFilter": {
                "title": "WidgetFilter",
                "type": "object",
                "properties": {
                    "colour": {
                        "type": "array",
                        "items": {"enum": ["red", "blue"], "type": "string"},
                    }
                },
            },
            "PersonalAccessTokenScope": {
                "enum": ["widgets:read", "widgets:write"],
                "type": "string",
            },
        },
        "responses": {},
    },
}
