namespace Parley.Redis;

public sealed partial class RedisConnection
{
    /// <summary>
    /// Runs <paramref name="script"/> by its SHA1 (EVALSHA). When Redis does not know it (NOSCRIPT:
    /// first use, or after a restart or SCRIPT FLUSH) it loads it with SCRIPT LOAD and tries once more.
    /// </summary>
    public Task<RespValue> EvalAsync(RedisScript script, ReadOnlySpan<RedisArg> keys, params ReadOnlySpan<RedisArg> args)
    {
        ArgumentNullException.ThrowIfNull(script);
        var evalArgs = new RedisArg[2 + keys.Length + args.Length];
        evalArgs[0] = script.Sha1;
        evalArgs[1] = keys.Length;
        keys.CopyTo(evalArgs.AsSpan(2));
        args.CopyTo(evalArgs.AsSpan(2 + keys.Length));
        return EvalShaAsync(script, evalArgs);
    }

    private async Task<RespValue> EvalShaAsync(RedisScript script, RedisArg[] evalArgs)
    {
        try
        {
            return await ExecuteAsync("EVALSHA", evalArgs);
        }
        catch (RedisServerException e) when (e.Code == "NOSCRIPT")
        {
            await ExecuteAsync("SCRIPT", "LOAD", script.Source);
            return await ExecuteAsync("EVALSHA", evalArgs);
        }
    }
}
