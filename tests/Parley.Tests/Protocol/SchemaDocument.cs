using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Parley.Tests.Protocol;

/// <summary>One message of the AsyncAPI document: its key, the <c>op</c> its payload fixes and the payload schema, built once.</summary>
internal sealed record SchemaMessage(string Key, string Op, string PayloadPointer, JsonSchema Schema);

/// <summary>
/// The protocol's AsyncAPI document (docs/protocol.asyncapi.yaml, embedded in the test assembly),
/// read once per test run with every message's payload schema built up front (its references
/// resolved at build), so that checking a frame is one evaluation. Frames the node sends (the <c>send</c> operations' messages) are
/// looked up by <c>op</c>; a frame is valid when it matches one of the schemas for its op.
/// </summary>
internal sealed class SchemaDocument
{
    public const string Path = "docs/protocol.asyncapi.yaml";

    private const string SchemasPointer = "#/components/schemas/";

    private static readonly Uri BaseUri = new("https://parley.invalid/docs/protocol.asyncapi.json");

    /// <summary>The yes/no pass every frame takes, without annotations (a third of the cost); the list pass, run only on a failure, explains.</summary>
    private static readonly EvaluationOptions Flag = FlagOnly();
    private static readonly EvaluationOptions List = new() { OutputFormat = OutputFormat.List };

    /// <summary>Started once, off the clients' read loops, so that no thread waits on it while the first frames arrive.</summary>
    private static readonly Task<SchemaDocument> Loading = Task.Run(() => new SchemaDocument(ReadEmbedded()));

    private readonly Dictionary<string, SchemaMessage[]> _serverByOp;

    // A frame takes some tens of microseconds; one lock keeps evaluation safe from every client's
    // read loop at once, whatever the library's own threading guarantees.
    private readonly Lock _evaluating = new();

    public SchemaDocument(string yaml)
    {
        Root = JsonSerializer.SerializeToElement(SchemaYaml.Read(yaml));
        var build = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        var definitions = Definitions(Root);

        ClientMessages = MessagesOf("receive", build, definitions);
        ServerMessages = MessagesOf("send", build, definitions);
        _serverByOp = ServerMessages.GroupBy(m => m.Op).ToDictionary(g => g.Key, g => g.ToArray());
    }

    /// <summary>The document as loaded from the test assembly.</summary>
    public static SchemaDocument Protocol => Loading.GetAwaiter().GetResult();

    /// <summary>Completes once <see cref="Protocol"/> is ready; test clients await it before they open a socket.</summary>
    public static Task LoadAsync() => Loading;

    public JsonElement Root { get; }

    /// <summary>The frames a client sends: the messages of the operations whose action is <c>receive</c> (the node receives).</summary>
    public IReadOnlyList<SchemaMessage> ClientMessages { get; }

    /// <summary>The frames the node sends: the messages of the operations whose action is <c>send</c>.</summary>
    public IReadOnlyList<SchemaMessage> ServerMessages { get; }

    public static string ReadEmbedded()
    {
        using var stream = typeof(SchemaDocument).Assembly.GetManifestResourceStream("protocol.asyncapi.yaml")
            ?? throw new InvalidOperationException($"{Path} is not embedded in the test assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Null when <paramref name="frame"/> is a frame the node may send; otherwise why not, with the frame.</summary>
    public string? ServerFrameViolation(JsonElement frame)
    {
        if (frame.ValueKind != JsonValueKind.Object || !frame.TryGetProperty("op", out var op) || op.ValueKind != JsonValueKind.String)
        {
            return $"The frame is not an object with a string 'op': {frame.GetRawText()}";
        }

        if (!_serverByOp.TryGetValue(op.GetString()!, out var candidates))
        {
            return $"No server message in {Path} has op '{op.GetString()}': {frame.GetRawText()}";
        }

        var reasons = new List<string>();
        foreach (var candidate in candidates)
        {
            if (Violation(candidate, frame) is not { } reason)
            {
                return null;
            }

            reasons.Add(reason);
        }

        return $"The frame breaks {Path}: {frame.GetRawText()}{Environment.NewLine}{string.Join(Environment.NewLine, reasons)}";
    }

    /// <summary>Fails the test with the frame and the schema's errors when <paramref name="frame"/> is not a frame the node may send.</summary>
    public void AssertServerFrame(JsonElement frame)
    {
        if (ServerFrameViolation(frame) is { } violation)
        {
            throw new Xunit.Sdk.XunitException(violation);
        }
    }

    /// <summary>Null when <paramref name="instance"/> matches the message's payload schema; otherwise the schema's errors.</summary>
    public string? Violation(SchemaMessage message, JsonElement instance)
    {
        lock (_evaluating)
        {
            if (message.Schema.Evaluate(instance, Flag).IsValid)
            {
                return null;
            }

            var details = message.Schema.Evaluate(instance, List);
            var errors = (details.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .Select(d => $"  {(d.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {string.Join("; ", d.Errors!.Values)} ({d.EvaluationPath})");
            return $"- against {message.Key} ({message.PayloadPointer}):{Environment.NewLine}{string.Join(Environment.NewLine, errors)}";
        }
    }

    /// <summary>The element a local reference (<c>#/a/b</c>) points at; throws when it points nowhere.</summary>
    public JsonElement Resolve(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{reference}' is not a local reference.");
        }

        var node = Root;
        foreach (var raw in reference[2..].Split('/'))
        {
            var name = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(name, out var child))
            {
                node = child;
            }
            else if (node.ValueKind == JsonValueKind.Array && int.TryParse(name, out var index) && index >= 0 && index < node.GetArrayLength())
            {
                node = node[index];
            }
            else
            {
                throw new InvalidDataException($"The reference '{reference}' points nowhere: no '{name}'.");
            }
        }

        return node;
    }

    /// <summary>Follows <c>$ref</c> until an element that is not a reference, returning it and the pointer it lives at.</summary>
    public (string Pointer, JsonElement Element) Follow(string pointer, JsonElement element)
    {
        for (var hops = 0; element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var next); hops++)
        {
            if (hops > 16)
            {
                throw new InvalidDataException($"The references from '{pointer}' go round in a circle.");
            }

            pointer = next.GetString()!;
            element = Resolve(pointer);
        }

        return (pointer, element);
    }

    /// <summary>Every <c>$ref</c> in the document with the pointer of the object holding it.</summary>
    public IEnumerable<(string At, string Reference)> References()
    {
        var pending = new Stack<(string, JsonElement)>([("#", Root)]);
        while (pending.TryPop(out var item))
        {
            var (at, element) = item;
            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return (at, property.Value.GetString()!);
                    }
                    else
                    {
                        pending.Push(($"{at}/{property.Name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}", property.Value));
                    }
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var child in element.EnumerateArray())
                {
                    pending.Push(($"{at}/{index++}", child));
                }
            }
        }
    }

    /// <summary>
    /// <c>components.schemas</c> as the <c>$defs</c> of a stand-alone schema, their references
    /// rewritten to match, so that each message's schema is built whole, every reference resolved
    /// once (evaluating through a reference into the AsyncAPI document costs a lookup per frame).
    /// </summary>
    private static JsonNode Definitions(JsonElement root)
    {
        var definitions = JsonNode.Parse(root.GetProperty("components").GetProperty("schemas").GetRawText())!;
        var pending = new Stack<JsonNode>([definitions]);
        while (pending.TryPop(out var node))
        {
            if (node is JsonObject obj)
            {
                if (obj["$ref"] is JsonValue reference && reference.GetValue<string>() is { } target)
                {
                    obj["$ref"] = target.StartsWith(SchemasPointer, StringComparison.Ordinal)
                        ? "#/$defs/" + target[SchemasPointer.Length..]
                        : throw new InvalidDataException($"A schema refers to '{target}', outside {SchemasPointer}.");
                }

                foreach (var (_, child) in obj)
                {
                    if (child is not null)
                    {
                        pending.Push(child);
                    }
                }
            }
            else if (node is JsonArray array)
            {
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        pending.Push(child);
                    }
                }
            }
        }

        return definitions;
    }

    private List<SchemaMessage> MessagesOf(string action, BuildOptions build, JsonNode definitions)
    {
        var messages = new List<SchemaMessage>();
        foreach (var operation in Root.GetProperty("operations").EnumerateObject())
        {
            if (operation.Value.GetProperty("action").GetString() != action)
            {
                continue;
            }

            var index = 0;
            foreach (var reference in operation.Value.GetProperty("messages").EnumerateArray())
            {
                var (pointer, message) = Follow($"#/operations/{operation.Name}/messages/{index++}", reference);
                if (messages.Any(m => m.Key == pointer))
                {
                    continue;
                }

                var payload = message.TryGetProperty("payload", out var p)
                    ? Follow(pointer + "/payload", p)
                    : throw new InvalidDataException($"The message '{pointer}' has no payload.");
                var op = payload.Element.TryGetProperty("properties", out var properties)
                    && properties.TryGetProperty("op", out var opSchema)
                    && opSchema.TryGetProperty("const", out var constant)
                    && constant.ValueKind == JsonValueKind.String
                        ? constant.GetString()!
                        : throw new InvalidDataException($"The payload of '{pointer}' ({payload.Pointer}) does not fix 'op' with a string const.");
                if (!payload.Pointer.StartsWith(SchemasPointer, StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"The payload of '{pointer}' is not a reference into {SchemasPointer}.");
                }

                var root = JsonSerializer.SerializeToElement(new JsonObject
                {
                    ["$defs"] = definitions.DeepClone(),
                    ["$ref"] = "#/$defs/" + payload.Pointer[SchemasPointer.Length..],
                });
                var schema = JsonSchema.Build(root, build, new Uri(BaseUri, $"messages/{Uri.EscapeDataString(pointer)}"));
                messages.Add(new SchemaMessage(pointer, op, payload.Pointer, schema));
            }
        }

        return messages;
    }

    private static EvaluationOptions FlagOnly()
    {
        var options = new EvaluationOptions { OutputFormat = OutputFormat.Flag };
        options.IgnoreAllAnnotations();
        return options;
    }
}
