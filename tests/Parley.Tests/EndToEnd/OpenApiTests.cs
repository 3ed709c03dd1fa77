using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.OpenApi;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>
/// <c>/openapi/v1.json</c> is a valid document that says how to authenticate, names its resources,
/// lists every error a route answers with the error body's schema, and describes what each route
/// really answers: every call below gets a status the document lists, with a body its schema accepts.
/// </summary>
public sealed class OpenApiTests : IAsyncLifetime
{
    /// <summary>The resources the document is organised by; each route names one of them.</summary>
    private static readonly string[] ResourceTags = [.. Parley.Node.Http.OpenApiSetup.Tags.Keys];
    private TestNode _node = null!;
    private JsonElement _document;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:Tenants:metered:TenantPublishesPerSecond"] = "0.001",
        });
        _document = JsonDocument.Parse(await _node.Http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative))).RootElement.Clone();
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public void The_document_reads_without_errors_with_a_bearer_scheme_and_resource_tags()
    {
        var read = OpenApiDocument.Parse(_document.GetRawText(), "json");

        Assert.Empty(read.Diagnostic!.Errors);
        var bearer = Assert.IsType<OpenApiSecurityScheme>(read.Document!.Components!.SecuritySchemes!["bearer"]);
        Assert.Equal((SecuritySchemeType.Http, "bearer"), (bearer.Type!.Value, bearer.Scheme));
        Assert.Contains("rooms", ResourceTags);
        Assert.All(Operations(), op => Assert.Contains(Assert.Single(op.Operation.GetProperty("tags").EnumerateArray()).GetString(), ResourceTags));
        Assert.Equal(ResourceTags.Order(StringComparer.Ordinal), Operations().Select(op => op.Operation.GetProperty("tags")[0].GetString()!).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_authenticated_route_documents_its_errors_with_the_error_body()
    {
        foreach (var (path, method, operation) in Operations().Where(op => op.Operation.TryGetProperty("security", out _)))
        {
            var statuses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            Assert.Contains("401", statuses);
            foreach (var status in statuses.Where(s => s[0] is '4' or '5'))
            {
                var schema = operation.GetProperty("responses").GetProperty(status).GetProperty("content").GetProperty("application/json").GetProperty("schema");
                Assert.True(schema.GetProperty("$ref").GetString()!.EndsWith("/ErrorBody", StringComparison.Ordinal), $"{method} {path} {status}");
            }
        }

        foreach (var path in (string[])["/api/v1/rooms/{room}/messages", "/api/v1/users/{user}/messages"])
        {
            var publish = _document.GetProperty("paths").GetProperty(path).GetProperty("post");
            Assert.Equal(["200", "400", "401", "403", "413", "422", "429", "503"], publish.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
            Assert.Contains(publish.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header");
        }

        var history = _document.GetProperty("paths").GetProperty("/api/v1/rooms/{room}/messages").GetProperty("get");
        Assert.Contains("503", history.GetProperty("responses").EnumerateObject().Select(r => r.Name));
        Assert.False(history.TryGetProperty("parameters", out var parameters) && parameters.EnumerateArray().Any(p => p.GetProperty("name").GetString() == "Idempotency-Key"));
    }

    [Fact]
    public async Task Each_route_answers_a_success_and_an_error_as_the_document_describes()
    {
        var publisher = TestNode.Token("acme", "backend", scopes: ["publish"]);
        var reader = TestNode.Token("acme", "backend", scopes: ["read"]);
        var operatorToken = TestNode.Token("ops", "ops", rooms: [], scopes: ["operator"]);
        var metered = TestNode.Token("metered", "backend", scopes: ["publish"]);
        var calls = new (HttpMethod Method, string Path, string Template, string? Token, string? Body, HttpStatusCode Expected)[]
        {
            (HttpMethod.Post, "/api/v1/rooms/r1/messages", "/api/v1/rooms/{room}/messages", publisher, """{"id":"m-1","body":{"n":1}}""", HttpStatusCode.OK),
            (HttpMethod.Post, "/api/v1/rooms/r1/messages", "/api/v1/rooms/{room}/messages", null, """{"id":"m-2","body":1}""", HttpStatusCode.Unauthorized),
            (HttpMethod.Post, "/api/v1/rooms/r1/messages", "/api/v1/rooms/{room}/messages", reader, """{"id":"m-3","body":1}""", HttpStatusCode.Forbidden),
            (HttpMethod.Post, "/api/v1/rooms/r1/messages", "/api/v1/rooms/{room}/messages", publisher, $$"""{"id":"m-4","body":"{{new string('x', 70_000)}}"}""", HttpStatusCode.RequestEntityTooLarge),
            (HttpMethod.Post, "/api/v1/rooms/r1/messages", "/api/v1/rooms/{room}/messages", publisher, """{"id":"m-1","body":{"n":2}}""", HttpStatusCode.UnprocessableEntity),
            (HttpMethod.Post, "/api/v1/rooms/r1/messages", "/api/v1/rooms/{room}/messages", metered, """{"id":"q-1","body":1}""", HttpStatusCode.OK),
            (HttpMethod.Post, "/api/v1/rooms/r1/messages", "/api/v1/rooms/{room}/messages", metered, """{"id":"q-2","body":1}""", HttpStatusCode.TooManyRequests),
            (HttpMethod.Post, "/api/v1/users/bob/messages", "/api/v1/users/{user}/messages", publisher, """{"id":"d-1","body":"hi"}""", HttpStatusCode.OK),
            (HttpMethod.Post, "/api/v1/users/bob..x/messages", "/api/v1/users/{user}/messages", publisher, """{"id":"d-2","body":"hi"}""", HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v1/rooms/r1/messages?limit=10", "/api/v1/rooms/{room}/messages", reader, null, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/v1/rooms/r1/messages?before=5&after=1", "/api/v1/rooms/{room}/messages", reader, null, HttpStatusCode.BadRequest),
            (HttpMethod.Get, "/api/v1/rooms/r1/presence", "/api/v1/rooms/{room}/presence", reader, null, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/v1/rooms/r1/presence", "/api/v1/rooms/{room}/presence", "not-a-token", null, HttpStatusCode.Unauthorized),
            (HttpMethod.Get, "/api/v1/health", "/api/v1/health", null, null, HttpStatusCode.OK),
            (HttpMethod.Get, "/healthz/live", "/healthz/live", null, null, HttpStatusCode.OK),
            (HttpMethod.Get, "/healthz/ready", "/healthz/ready", null, null, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/v1/cluster", "/api/v1/cluster", null, null, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/v1/cluster", "/api/v1/cluster", operatorToken, null, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/v1/cluster", "/api/v1/cluster", reader, null, HttpStatusCode.Forbidden),
        };

        foreach (var (method, path, template, token, body, expected) in calls)
        {
            using var request = _node.Request(method, path, token, body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"));
            using var response = await _node.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var what = $"{method} {path} answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}";

            Assert.True(expected == response.StatusCode, what);
            var documented = _document.GetProperty("paths").GetProperty(template).GetProperty(method.Method.ToLowerInvariant()).GetProperty("responses");
            Assert.True(documented.TryGetProperty(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), out var described), $"{what}, a status the document does not list");
            if (described.TryGetProperty("content", out var content) && content.TryGetProperty("application/json", out var json))
            {
                SchemaCheck.Validate(JsonDocument.Parse(text).RootElement, json.GetProperty("schema"), _document, what);
            }
        }
    }

    private IEnumerable<(string Path, string Method, JsonElement Operation)> Operations()
        => _document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(o => (p.Name, o.Name, o.Value)));
}

/// <summary>The part of JSON Schema an OpenAPI document of this API uses: $ref, type (one or several), properties, required, items, oneOf and anyOf.</summary>
internal static class SchemaCheck
{
    public static void Validate(JsonElement value, JsonElement schema, JsonElement document, string where)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            Validate(value, document.GetProperty("components").GetProperty("schemas").GetProperty(name), document, where);
            return;
        }

        foreach (var keyword in (string[])["oneOf", "anyOf"])
        {
            if (schema.TryGetProperty(keyword, out var options))
            {
                Assert.True(options.EnumerateArray().Any(o => Accepts(value, o, document)), $"{where}: no {keyword} branch accepts {value}");
                return;
            }
        }

        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            Assert.True(types.Any(t => Is(value, t)), $"{where}: {value.ValueKind} where the schema says {string.Join(" or ", types)}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("required", out var required))
            {
                Assert.All(required.EnumerateArray(), r => Assert.True(value.TryGetProperty(r.GetString()!, out _), $"{where}: '{r.GetString()}' is required"));
            }

            if (schema.TryGetProperty("properties", out var properties))
            {
                foreach (var property in value.EnumerateObject())
                {
                    Assert.True(properties.TryGetProperty(property.Name, out var propertySchema), $"{where}: '{property.Name}' is not in the schema");
                    Validate(property.Value, propertySchema, document, $"{where} .{property.Name}");
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            foreach (var item in value.EnumerateArray())
            {
                Validate(item, items, document, $"{where} []");
            }
        }
    }

    private static bool Accepts(JsonElement value, JsonElement schema, JsonElement document)
    {
        try
        {
            Validate(value, schema, document, "");
            return true;
        }
        catch (Xunit.Sdk.XunitException)
        {
            return false;
        }
    }

    private static bool Is(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => false,
    };
}
