# A stand-in for Homebrew's Formula DSL, just enough to load a generated binary formula, report
# what it declares, and run its `install` and `test do` the way `brew install` and `brew test`
# would on one system. Homebrew itself (https://docs.brew.sh/Formula-Cookbook) is not installed
# in CI; this follows its documented semantics: on_macos/on_linux and on_arm/on_intel blocks
# apply only on that OS and CPU (https://rubydoc.brew.sh/OnSystem/MacOSAndLinux.html),
# `bin.install` moves a file from the staged archive's folder into prefix/bin, `shell_output`
# runs a command and fails unless it exits 0, `assert_match` fails unless the text matches.
#
#   ruby formula-dsl.rb FORMULA.rb                      prints JSON: fields and every url/sha256
#   ruby formula-dsl.rb FORMULA.rb STAGED_DIR PREFIX    also installs from STAGED_DIR into
#                                                       PREFIX and runs the test block (linux, intel)
require 'json'
require 'fileutils'
require 'open3'

$formula_class = nil

class Formula
  class << self
    attr_reader :fields, :test_block

    def inherited(subclass)
      super
      $formula_class = subclass
      subclass.instance_variable_set(:@fields, { 'archives' => [] })
    end

    %w[desc homepage version license].each do |name|
      define_method(name) { |value| @fields[name] = value }
    end

    def on_macos(&block) = within(:os, 'macos', &block)
    def on_linux(&block) = within(:os, 'linux', &block)
    def on_arm(&block) = within(:cpu, 'arm', &block)
    def on_intel(&block) = within(:cpu, 'intel', &block)

    def url(value) = current_archive['url'] = value
    def sha256(value) = current_archive['sha256'] = value

    # Kernel#test exists; a formula's `test do` is Formula.test, which this shadows.
    def test(&block) = @test_block = block

    private

    def within(key, value)
      @scope ||= {}
      outer = @scope[key]
      raise "nested #{key} blocks" unless outer.nil?
      @scope[key] = value
      yield
    ensure
      @scope[key] = outer
    end

    def current_archive
      os = @scope&.fetch(:os, nil)
      cpu = @scope&.fetch(:cpu, nil)
      found = @fields['archives'].find { |a| a['os'] == os && a['cpu'] == cpu }
      return found if found
      @fields['archives'] << { 'os' => os, 'cpu' => cpu }
      @fields['archives'].last
    end
  end

  Bin = Struct.new(:dir) do
    def install(name)
      FileUtils.mkdir_p(dir)
      FileUtils.mv(name, File.join(dir, File.basename(name)))
    end

    def to_s = dir
  end

  Version = Struct.new(:value) do
    def to_s = value
  end

  def initialize(prefix) = @prefix = prefix
  def bin = Bin.new(File.join(@prefix, 'bin'))
  def version = Version.new(self.class.fields['version'])

  def shell_output(command)
    out, status = Open3.capture2e(command)
    raise "shell_output: #{command} exited #{status.exitstatus}: #{out}" unless status.success?
    out
  end

  def assert_match(expected, actual)
    ok = expected.is_a?(Regexp) ? expected.match?(actual) : actual.include?(expected)
    raise "assert_match: #{expected.inspect} not in #{actual.inspect}" unless ok
  end
end

formula_path, staged_dir, prefix = ARGV
load formula_path
klass = $formula_class or abort('the file defines no subclass of Formula')
report = klass.fields.merge(
  'class' => klass.name,
  'defines_install' => klass.instance_methods(false).include?(:install),
  'defines_test' => !klass.test_block.nil?
)
if staged_dir
  formula = klass.new(prefix)
  Dir.chdir(staged_dir) { formula.install }
  formula.instance_eval(&klass.test_block)
  report['installed'] = Dir.children(File.join(prefix, 'bin')).sort
  report['test_passed'] = true
end
puts JSON.generate(report)
