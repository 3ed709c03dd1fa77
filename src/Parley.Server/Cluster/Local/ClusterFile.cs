using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// What a running <c>parley cluster up</c> tells the other commands: where its proxy, auth
/// service and nodes listen, how its nodes reach Redis, its operator token and its process id
/// (which <c>parley cluster down</c> signals). Written to <c>cluster.json</c> in the state directory
/// (private to the user, like the directory) once every part serves, and deleted when the run
/// stops; the administration commands and <c>parley login</c> read it when given no address.
/// </summary>
public sealed record ClusterFile(
    [property: JsonPropertyName("proxy_url")] string ProxyUrl,
    [property: JsonPropertyName("websocket_url")] string WebSocketUrl,
    [property: JsonPropertyName("auth_url")] string AuthUrl,
    [property: JsonPropertyName("operator_token")] string OperatorToken,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("nodes")] IReadOnlyList<ClusterFileNode> Nodes,
    [property: JsonPropertyName("redis")] string Redis,
    [property: JsonPropertyName("redis_shards")] int RedisShards)
{
    public const string FileName = "cluster.json";

    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, FileName);

    /// <summary>Writes the file whole (a reader never sees half of it), readable by the owner only.</summary>
    public void Write(string stateDirectory)
    {
        OwnerOnlyFile.WriteJson(PathIn(stateDirectory), this);
    }

    /// <summary>The file of a cluster that runs now, or null: missing, unreadable, or left by a run that is gone.</summary>
    public static ClusterFile? TryRead(string stateDirectory)
    {
        try
        {
            var file = JsonSerializer.Deserialize<ClusterFile>(File.ReadAllText(PathIn(stateDirectory)));
            return file is not null && ClusterState.StartTime(file.Pid) is not null ? file : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public static void Delete(string stateDirectory) => File.Delete(PathIn(stateDirectory));
}

/// <summary>One node of a running local cluster, as <c>cluster.json</c> lists it.</summary>
public sealed record ClusterFileNode(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("url")] string Url);
