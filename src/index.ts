// Public library API. Nothing else is public.
export { loadAddon } from './cost/native.js';
// Cost kernel: one native call per scheduled batch (src/cost/, native/).
export { CostModel, COUNTER, MAX_PIPELINE_STAGES } from './cost/costModel.js';
export type { CostModelOptions, IterationBreakdown, RooflineTuning } from './cost/costModel.js';
export { loadPerfBundle } from './cost/perfBundle.js';
export type { PerfBundle } from './cost/perfBundle.js';
export { buildRooflineBundle, listPerfBundles, readRooflineTuning } from './cost/perfModelBuild.js';
export type { CalibrationProvenance } from './cost/perfModelBuild.js';
export { calibrateRoofline, calibrateWithProvenance } from './cost/calibrate.js';
// Scenario: model, hardware and cluster catalogs and their arithmetic (src/scenario/).
export type { Dtype, ModelArch, MoeArch, SlidingWindowArch, HardwareSpec, PeakTflops } from './scenario/types.js';
export { listModels, parseModelConfig, resolveModel } from './scenario/model.js';
export { flopsPerToken, kvBytesForTokens, kvBytesPerToken, kvBytesPerTokenPerLayer, paramCount, weightBytes, weightBytesPerRank } from './scenario/modelMath.js';
export type { KvDtype, ParamCount } from './scenario/modelMath.js';
export { findHardware, isCompleteHardwareSpec, listHardware, loadSeedInfraGpus, parseHardwareSpec, resolveHardware, seedGpusFromJson } from './scenario/hardware.js';
export type { SeedGpu, SeedHardwareSpec } from './scenario/hardware.js';
export { loadClusterConfig, parseClusterConfig, resolveClusterModels } from './scenario/cluster.js';
export type { ClusterConfig, ClusterInstance, ResolvedClusterConfig, ResolvedClusterInstance, Placement } from './scenario/cluster.js';
export { SERVING_DEFAULTS, kvDtypeOf, parseServingOverrides, resolveServingOptions, weightDtypeOf } from './scenario/serving.js';
export type { ServingOptions, KvCacheDtype } from './scenario/serving.js';
// Workloads: readers, request streams, arrival and length generators (src/workload/); seeded random streams (src/rng.ts).
export type { RequestSource, RequestSpec } from './workload/types.js';
export { loadWorkload, readWorkloadFile, parseWorkloadText } from './workload/load.js';
export type { LoadWorkloadOptions, WorkloadFormat } from './workload/load.js';
export type { FlatRow, LoadedWorkload, SubRequestRow } from './workload/loadedWorkload.js';
export { WorkloadFileSource } from './workload/fileSource.js';
export { OpenLoopSource, createOpenLoopSource } from './workload/openLoop.js';
export type { OpenLoopOptions } from './workload/openLoop.js';
export { ClosedLoopSource, createClosedLoopSource } from './workload/closedLoop.js';
export type { ClosedLoopOptions, ThinkTimeSpec } from './workload/closedLoop.js';
export { createArrivalProcess } from './workload/arrivals.js';
export type { ArrivalProcess, ArrivalSpec } from './workload/arrivals.js';
export { createLengthSampler, datasetLengthSampler } from './workload/lengths.js';
export type { LengthPair, LengthSampler, LengthSpec, LognormalAxis } from './workload/lengths.js';
export { SHAREGPT_LIKE_LENGTHS, synthesizeShareGptLike } from './workload/synth.js';
export { readShareGpt } from './workload/sharegpt.js';
export { convertShareGpt } from './workload/convert.js';
export type { ConvertOptions, ConvertStats } from './workload/convert.js';
export { writeWorkloadFile } from './workload/writers.js';
export { workloadStats } from './workload/stats.js';
export { arrivalSpecSchema, lengthSpecSchema, thinkTimeSpecSchema } from './workload/specs.js';
export type { WorkloadStats } from './workload/stats.js';
export { Rng, RngStreams } from './rng.js';
// Serving: the event-driven serving loop over instances (scheduler, KV cache, router) and its records (src/serving/).
export { runServing } from './serving/simulation.js';
export { planKvBlocks } from './serving/memoryPlan.js';
export type { MemoryPlanInput } from './serving/memoryPlan.js';
export { DEFAULT_KNOBS } from './serving/types.js';
// Serving at scale: router policies, P/D disaggregation, KV tiers, speculative decoding, pipeline parallelism.
export { ROUTER_POLICIES } from './serving/router.js';
export { DEFAULT_KV_LINK, kvTransferNs } from './serving/disaggregation.js';
export type { KvLink } from './serving/disaggregation.js';
export { KvTiers, tierTransferNs } from './serving/kvTiers.js';
export type { KvTierSpec, KvTiersOptions } from './serving/kvTiers.js';
export { SpeculativeDecoder } from './serving/speculative.js';
export type { SpeculativeOptions } from './serving/speculative.js';
export { PipelinedInstance } from './serving/pipeline.js';
export type { PipelineLayout } from './serving/pipeline.js';
export type {
  CompatMode, CostModelLike, CounterIndex, InstanceSetup, IterationRecord, RequestRecord, RouterPolicy, RunObserver, RunOptions, RunTotals,
  ServingKnobs, TickStatus,
} from './serving/types.js';
// Simulation entry point and reports (src/simulate.ts, src/report/).
export { simulate, prepareScenario, runPrepared, scenarioSchema } from './simulate.js';
export type { InstanceInfo, KnobsInput, PreparedRun, RunStart, Scenario, SimulateHooks, SimulationReport, WorkloadSpec } from './simulate.js';
export { LogHistogram, MetricsAccumulator, SampleBuffer, latencyStats, percentileSorted } from './report/metrics.js';
export type { LatencyStats, RequestTimings, ServingMetrics } from './report/metrics.js';
export { REQUESTS_CSV_HEADER, RequestsCsvWriter, formatRequestRow, parseRequestsCsv } from './report/requestsCsv.js';
export type { RequestRow } from './report/requestsCsv.js';
export { buildSummary, formatSummaryText, summaryJson, writeSummaryJson } from './report/summary.js';
export type { EngineTotals, InstanceLatency, RunSummary } from './report/summary.js';
export { HeartbeatSeries, formatHeartbeat, formatHeartbeatDetail } from './report/heartbeat.js';
export type { Heartbeat } from './report/heartbeat.js';
export { AtomicFileWriter, writeFileAtomic } from './atomicFile.js';
// Energy and carbon over the iteration records (src/energy/).
export { EnergyAccumulator, requestTokensProcessed } from './energy/accumulator.js';
export type { EnergyModelConfig, EnergyResult, InstanceEnergyTotals, RequestImpact } from './energy/accumulator.js';
export { buildEnergyModel, resolvePue } from './energy/setup.js';
export type { EnergyInstanceInput, EnergySetup, HostChoice } from './energy/setup.js';
export { iterationPowerW, resolveGpuPower, gpuRates } from './energy/gpuPower.js';
export { regionGrid, staticGrid, seriesGrid, loadGridSeriesCsv } from './energy/gridIntensity.js';
export type { GridIntensity } from './energy/gridIntensity.js';
export { actEmbodied, embodiedRateGPerS, fixedEmbodied, resolveEmbodied, seedLegacyEmbodied, seedMtcEmbodied } from './energy/embodied.js';
export { cpuPowerFraction, hostFromNodeSpec, hostPerGpuSlot } from './energy/hostPower.js';
export type { NodeSpec } from './energy/hostPower.js';
export { llmServingSimHost, parseLlmServingSimPower, threeStateGpuPower } from './energy/llmServingSimPower.js';
export { loadSeedInfra } from './energy/seedInfra.js';
export { energyReportBlocks } from './energy/toReport.js';
export type { AmortisationSpec, EnergyIterationRecord, EnergyRequestRecord, Factor, GpuPowerParams, HostPowerLevels, InstanceEnergySpec } from './energy/types.js';
// The RunReport (versioned, simulated and measured) and its writers (src/report/runReport*.ts).
export { RUN_REPORT_SCHEMA, computeIntensity, finalizeRunReport, parseRunReport, runReportSchema, summarize } from './report/runReport.js';
export type { RunReport, RunReportDraft, Stats } from './report/runReport.js';
export { readRunReport, writeRunReport, writeRunReportCsv, writeRunReportJson, writeRunReportMsgpack } from './report/runReportWriters.js';
// Measured-run importers into a RunReport (src/measured/).
export { importVllmBench } from './measured/vllmBench.js';
export { importLlmServingSimBench } from './measured/llmServingSimBench.js';
export { importCodeCarbon } from './measured/codecarbon.js';
export { importSimLlmBenchmark, readPowerTrace, readGlobalImpacts, trapezoidEnergyJ } from './measured/simLlmBenchmark.js';
export { importLlmEnergyMeasure } from './measured/llmEnergyMeasure.js';
export { importExoBenchmark } from './measured/exo.js';
export { combineMeasured } from './measured/combine.js';
export { ecologitsEstimate, ecologitsGpuCount, ecologitsGpuJPerToken, ecologitsRequest } from './energy/ecologits.js';
export { SimulationEnergyRecorder, energyConfigFor, simulateImpact, simulatedRunReport } from './energy/simulatedRunReport.js';
export { IMPACT_CSV_COLUMNS, impactCsv, impactPlots, levelTotal, runImpactStudy, usersOnGpu, writeImpactStudy } from './energy/impactStudy.js';
export type { GpuImpact, ImpactStudy, ImpactStudyOptions, LevelImpact } from './energy/impactStudy.js';
export { lineChartSpec, svgToPng, vegaLiteToPng, vegaLiteToSvg } from './report/plots.js';
export type { LineChartOptions } from './report/plots.js';
export { compareRunReports, headlineFigures } from './report/runReport.js';
export { formatComparisonText, formatRunReportText } from './report/runReportWriters.js';
// Experiments: files with _extends, sweeps over worker threads, resumable/sharded results, capacity search (src/experiment/).
export { loadExperiment } from './experiment/experimentFile.js';
export type { LoadedExperiment } from './experiment/experimentFile.js';
export { experimentSchema } from './experiment/experimentSchema.js';
export type { CapacitySpec, Experiment, RankKey, Slo } from './experiment/experimentSchema.js';
export { expandExperiment, runLabel } from './experiment/expand.js';
export type { Plan, PlannedRun } from './experiment/expand.js';
export { planExperiment, resultsDirOf, createExecutor } from './experiment/session.js';
export type { PlannedExperiment } from './experiment/session.js';
export { createInProcessExecutor, createWorkerExecutor } from './experiment/executor.js';
export type { RunExecutor } from './experiment/executor.js';
export type { RunOne, RunOutcome } from './experiment/runOutcome.js';
export { METRIC_COLUMNS, metricsFromReport } from './experiment/runMetrics.js';
export type { MetricColumn, RunMetrics } from './experiment/runMetrics.js';
export { runSweep } from './experiment/sweep.js';
export type { SweepOptions, SweepResult } from './experiment/sweep.js';
export { ResultsStore, resultsTableCsv } from './experiment/resultsStore.js';
export type { PlanFile, RunRecord } from './experiment/resultsStore.js';
export { resolveShard, shardOf } from './experiment/shard.js';
export type { Shard } from './experiment/shard.js';
export { mergeShards } from './experiment/merge.js';
export { capacityTableCsv, checkCapacitySpec, meetsSlo, rankCapacity, runCapacitySearch } from './experiment/capacity.js';
export type { CapacityRow } from './experiment/capacity.js';
export { runIdOf } from './experiment/runId.js';
// HTML reports and their charts (src/report/html*.ts, chartSpecs.ts, runPage.ts, sweepPage.ts), progress (progress.ts).
export { renderRunHtml, renderSweepHtml, writeChartPngs, writeHtmlReport } from './report/html.js';
export type { Chart, HtmlReport } from './report/html.js';
export { buildHtmlReport, classifyHtmlInput } from './report/htmlInput.js';
export { runPageFromReport, runPageFromSummary, simulateRunPage } from './report/runPage.js';
export type { RunPage } from './report/runPage.js';
export { sweepPageFromResults } from './report/sweepPage.js';
export type { SweepPage } from './report/sweepPage.js';
export { IterationSeries, TimeBuckets } from './report/iterationSeries.js';
export { throughputFromRequests } from './report/requestThroughput.js';
export { batchSizeSpec, cdfPoints, energyBreakdownSpec, kvUseSpec, latencyCdfSpec, perModelBarsSpec, sweepLineSpec, throughputSpec } from './report/chartSpecs.js';
export { Progress } from './report/progress.js';
