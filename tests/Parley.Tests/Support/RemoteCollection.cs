using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace Parley.Tests.Support;

/// <summary>
/// Makes another .NET process run a full, blocking garbage collection through its diagnostics
/// port, as heap-dump tools do, so what its heap holds afterwards is what is still reachable.
/// </summary>
internal static class RemoteCollection
{
    // The runtime provider's keyword that induces a collection when a session enables it.
    private const long GcHeapCollectKeyword = 0x800000;
    private const long GcKeyword = 0x1;

    /// <summary>
    /// Opens a session that induces a collection in <paramref name="processId"/>, waits until
    /// <paramref name="collected"/> says it happened, then closes the session.
    /// </summary>
    public static async Task InduceAsync(int processId, Func<Task<bool>> collected)
    {
        var client = new DiagnosticsClient(processId);
        var providers = new[] { new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword | GcHeapCollectKeyword) };
        using var session = await client.StartEventPipeSessionAsync(providers, requestRundown: false, circularBufferMB: 16, CancellationToken.None);

        // The events themselves are not needed; draining the stream keeps the runtime from blocking on a full pipe.
        var drain = session.EventStream.CopyToAsync(Stream.Null);
        await Eventually.TrueAsync(collected, $"process {processId} ran the induced collection", TimeSpan.FromSeconds(30));
        await session.StopAsync(CancellationToken.None);
        await Eventually.WithinAsync(drain.ContinueWith(_ => true, TaskScheduler.Default), "the diagnostics session to end", TimeSpan.FromSeconds(30));
    }
}
