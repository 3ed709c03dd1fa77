using System.Reflection;
using System.Text.Json;
using Parley.Client;
using Parley.Node.Protocol;

namespace Parley.Tests.Protocol;

/// <summary>
/// The error codes and close codes of docs/protocol.asyncapi.yaml (<c>x-parley-error-codes</c>,
/// <c>x-parley-close-codes</c>) are the server's and the .NET SDK's: the same codes, names and
/// reconnect / retry advice, so that no client reads a code its server never sends or misses one.
/// </summary>
public sealed class SchemaCodeTablesTests
{
    private static JsonElement Root => SchemaDocument.Protocol.Root;

    private static IReadOnlyList<string> DocumentedErrors(bool? retry = null)
        => [.. Root.GetProperty("x-parley-error-codes").EnumerateArray()
            .Where(e => retry is null || e.GetProperty("retry").GetBoolean() == retry)
            .Select(e => e.GetProperty("code").GetString()!)
            .Order(StringComparer.Ordinal)];

    private static IReadOnlyList<(int Code, string Name, bool Reconnect)> DocumentedCloses()
        => [.. Root.GetProperty("x-parley-close-codes").EnumerateArray()
            .Select(e => (e.GetProperty("code").GetInt32(), e.GetProperty("name").GetString()!, e.GetProperty("reconnect").GetBoolean()))
            .OrderBy(c => c.Item1)];

    [Fact]
    public void Each_code_entry_has_exactly_the_agreed_fields_and_a_description()
    {
        foreach (var entry in Root.GetProperty("x-parley-close-codes").EnumerateArray())
        {
            Assert.Equal(["code", "description", "name", "reconnect"], entry.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal(JsonValueKind.Number, entry.GetProperty("code").ValueKind);
            Assert.False(string.IsNullOrWhiteSpace(entry.GetProperty("description").GetString()));
        }

        foreach (var entry in Root.GetProperty("x-parley-error-codes").EnumerateArray())
        {
            Assert.Equal(["code", "description", "retry"], entry.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.False(string.IsNullOrWhiteSpace(entry.GetProperty("description").GetString()));
        }

        Assert.Equal(DocumentedErrors().Distinct().Count(), DocumentedErrors().Count);
        Assert.Equal(DocumentedCloses().Select(c => c.Code).Distinct().Count(), DocumentedCloses().Count);
    }

    [Fact]
    public void The_servers_error_codes_are_the_documented_ones()
    {
        var server = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(code => !ErrorCodes.HttpOnly.Contains(code))
            .Order(StringComparer.Ordinal);

        Assert.Equal(DocumentedErrors(), server);
    }

    [Fact]
    public void The_servers_close_codes_are_the_documented_ones_with_the_same_names_and_advice()
    {
        var server = typeof(CloseReason).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(CloseReason))
            .Select(f => (CloseReason)f.GetValue(null)!)
            .Where(reason => reason.Code >= 4000) // 1000 is the WebSocket's own normal closure
            .Select(reason => (reason.Code, reason.Name, reason.ShouldReconnect))
            .OrderBy(c => c.Code);

        Assert.Equal(DocumentedCloses(), server);
    }

    [Fact]
    public void The_SDKs_error_codes_are_the_documented_ones_with_the_same_retry_advice()
    {
        var sdk = typeof(ParleyErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(code => !ParleyErrorCodes.RaisedByClient.Contains(code))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(DocumentedErrors(), sdk);
        Assert.Equal(DocumentedErrors(retry: true), sdk.Where(ParleyErrorCodes.IsRetryable));
    }

    [Fact]
    public void The_SDKs_close_codes_are_the_documented_ones_with_the_same_names_and_advice()
    {
        var sdk = typeof(ParleyCloseCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .Select(f => (int)f.GetRawConstantValue()!)
            .Select(code => (code, ParleyCloseCodes.NameOf(code), !ParleyCloseCodes.IsTerminal(code)))
            .OrderBy(c => c.code);

        Assert.Equal(DocumentedCloses(), sdk);
    }
}
