using Parley.Bench.Running;
using Parley.Bench.Targets;

namespace Parley.Bench.Scenarios;

/// <summary>
/// N users, each with one connection and its inbox; P of them send direct messages to the others
/// in turn. Each message is delivered twice (the recipient and the sender's own copy), checked by
/// inbox sequence.
/// </summary>
internal sealed class DirectMessageScenario : IScenario
{
    public string Name => "dm";

    public string Description => "Direct messages between N users, P of them sending (Parley only).";

    public TargetCapabilities Requires => TargetCapabilities.Sequenced | TargetCapabilities.DirectMessages;

    public async Task RunAsync(BenchContext context)
    {
        var settings = context.Settings;
        if (settings.Connections < 2)
        {
            throw new ArgumentException("dm needs at least two connections.");
        }

        context.Phase = "connecting";
        var members = await context.ConnectMembersAsync(settings.Connections, i => $"{settings.RunId}-u{i}", _ => [], inbox: true, context.Aborted);
        var publishers = members.Take(Math.Min(settings.Publishers, members.Length)).Select((m, i) => new Publisher(context, i, m)).ToArray();
        await Traffic.PublishAndDrainAsync(context, publishers, p => k => new PublishTarget(-1, members[Recipient(p.Member.Index, k, members.Length)].User), members);
        await Traffic.FinishAsync(context, members, members);
    }

    /// <summary>The k-th recipient of a sender: every other user in turn, never the sender.</summary>
    internal static int Recipient(int sender, long k, int users) => (int)((sender + 1 + (k % (users - 1))) % users);
}
