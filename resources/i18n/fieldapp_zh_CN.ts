<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AddressLink</name>
    <message>
        <source>Navigate</source>
        <translation>导航</translation>
    </message>
    <message>
        <source>Copy address</source>
        <translation>复制地址</translation>
    </message>
    <message>
        <source>No map application on this device: the web map was opened.</source>
        <translation>本设备没有地图应用：已打开网页地图。</translation>
    </message>
    <message>
        <source>No map application on this device: copy the address.</source>
        <translation>本设备没有地图应用：请复制地址。</translation>
    </message>
    <message>
        <source>Address copied.</source>
        <translation>地址已复制。</translation>
    </message>
</context>
<context>
    <name>BoardPage</name>
    <message>
        <source>Model licence</source>
        <translation>模范服务证</translation>
    </message>
    <message>
        <source>Normal licence</source>
        <translation>正常服务证</translation>
    </message>
    <message>
        <source>Warning: fewer jobs</source>
        <translation>警告：减少派工</translation>
    </message>
    <message>
        <source>Licence revoked</source>
        <translation>服务证已吊销</translation>
    </message>
    <message>
        <source>%1 open jobs</source>
        <translation>%1 个未完成工单</translation>
    </message>
    <message>
        <source>over the limit of %1 jobs</source>
        <translation>超过 %1 个工单的上限</translation>
    </message>
    <message>
        <source>home region</source>
        <translation>本辖区</translation>
    </message>
    <message>
        <source>outside home region</source>
        <translation>非本辖区</translation>
    </message>
    <message>
        <source>serviced this model %1 times</source>
        <translation>服务过此机型 %1 次</translation>
    </message>
    <message>
        <source>never serviced this model</source>
        <translation>未服务过此机型</translation>
    </message>
    <message>
        <source>van holds all %1 usual parts</source>
        <translation>服务车备有全部 %1 种常用配件</translation>
    </message>
    <message>
        <source>van holds %1 of %2 usual parts</source>
        <translation>服务车备有 %2 种常用配件中的 %1 种</translation>
    </message>
    <message>
        <source>may miss the deadline: %1 jobs before</source>
        <translation>可能超时：前面还有 %1 个工单</translation>
    </message>
    <message>
        <source>may miss the deadline</source>
        <translation>可能超时</translation>
    </message>
    <message>
        <source>can make the deadline</source>
        <translation>能按时完成</translation>
    </message>
    <message>
        <source>licence revoked: retraining first</source>
        <translation>服务证已吊销：须先复训</translation>
    </message>
    <message>
        <source>holds the job now</source>
        <translation>现负责此工单</translation>
    </message>
    <message>
        <source>Every job is assigned. Drop a job here to take it off its engineer.</source>
        <translation>所有工单均已派工。把工单拖到这里，即可从其服务工程师处撤回派工。</translation>
    </message>
    <message>
        <source>%1 open</source>
        <translation>未完成 %1</translation>
    </message>
    <message>
        <source>%1 later</source>
        <translation>以后 %1</translation>
    </message>
    <message>
        <source>Engineer</source>
        <translation>服务工程师</translation>
    </message>
    <message>
        <source>Mon</source>
        <translation>周一</translation>
    </message>
    <message>
        <source>Tue</source>
        <translation>周二</translation>
    </message>
    <message>
        <source>Wed</source>
        <translation>周三</translation>
    </message>
    <message>
        <source>Thu</source>
        <translation>周四</translation>
    </message>
    <message>
        <source>Fri</source>
        <translation>周五</translation>
    </message>
    <message>
        <source>Sat</source>
        <translation>周六</translation>
    </message>
    <message>
        <source>Sun</source>
        <translation>周日</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Earlier days</source>
        <translation>前几天</translation>
    </message>
    <message>
        <source>Later days</source>
        <translation>后几天</translation>
    </message>
    <message>
        <source>New job</source>
        <translation>新建工单</translation>
    </message>
    <message>
        <source>Dispatch board</source>
        <translation>派工看板</translation>
    </message>
    <message>
        <source>Your team is not on this device yet: sync first.</source>
        <translation>本设备上还没有您的团队：请先同步。</translation>
    </message>
    <message>
        <source>Unassigned: %1</source>
        <translation>未派工：%1</translation>
    </message>
    <message>
        <source>%1 at risk</source>
        <translation>%1 个有超时风险</translation>
    </message>
</context>
<context>
    <name>BulkApproveDialog</name>
    <message>
        <source>Approve clean reports</source>
        <translation>批准无标记报告</translation>
    </message>
    <message numerus="yes">
        <source>%n report(s) without any flag, total %1.</source>
        <translation>
            <numerusform>%n 份报告无任何标记，合计 %1。</numerusform>
        </translation>
    </message>
    <message>
        <source>Each is verified again; if one fails, none is approved.</source>
        <translation>每份报告都会重新校验；只要有一份未通过，全部不予批准。</translation>
    </message>
    <message>
        <source>No report without a flag is waiting.</source>
        <translation>没有待批准的无标记报告。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Approve all</source>
        <translation>全部批准</translation>
    </message>
</context>
<context>
    <name>CameraRoll</name>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Camera folder…</source>
        <translation>相机文件夹…</translation>
    </message>
    <message>
        <source>Other folder…</source>
        <translation>其他文件夹…</translation>
    </message>
    <message>
        <source>Newest pictures in %1</source>
        <translation>最新照片：%1</translation>
    </message>
    <message>
        <source>No pictures in the camera folder yet. Take the photo with the camera, then tap Refresh; or choose another folder.</source>
        <translation>相机文件夹中还没有照片。请先用相机拍照，再点“刷新”；或选择其他文件夹。</translation>
    </message>
    <message>
        <source>Where the camera saves its pictures</source>
        <translation>相机照片的保存位置</translation>
    </message>
    <message>
        <source>Choose photos</source>
        <translation>选择照片</translation>
    </message>
    <message>
        <source>Choose a photo</source>
        <translation>选择一张照片</translation>
    </message>
</context>
<context>
    <name>CandidatePanel</name>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Unassign</source>
        <translation>撤回派工</translation>
    </message>
    <message>
        <source>Usually needs: %1</source>
        <translation>通常需要：%1</translation>
    </message>
    <message>
        <source>Assign</source>
        <translation>派工</translation>
    </message>
</context>
<context>
    <name>ChecklistTab</name>
    <message>
        <source>No checklist for this kind of job.
Record the work in the other tabs: pre-inspection, faults, parts and time.</source>
        <translation>此类工单没有检查表。
请在其他标签页记录工作：预检、故障、配件和工时。</translation>
    </message>
    <message>
        <source>Start this checklist</source>
        <translation>开始此检查表</translation>
    </message>
    <message>
        <source>Checklists are filled in once on site.</source>
        <translation>到达现场后才能填写检查表。</translation>
    </message>
</context>
<context>
    <name>ComplaintsPage</name>
    <message>
        <source>Show closed</source>
        <translation>显示已关闭</translation>
    </message>
    <message>
        <source>New complaint</source>
        <translation>新建投诉</translation>
    </message>
    <message>
        <source>The complaint in the customer&apos;s words</source>
        <translation>投诉内容（客户原话）</translation>
    </message>
    <message>
        <source>Record the complaint</source>
        <translation>登记投诉</translation>
    </message>
    <message>
        <source>The complaint</source>
        <translation>投诉内容</translation>
    </message>
    <message>
        <source>I take it over</source>
        <translation>由我负责</translation>
    </message>
    <message>
        <source>What the customer was told</source>
        <translation>答复客户的内容</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已答复</translation>
    </message>
    <message>
        <source>What was done</source>
        <translation>处理结果</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Licence points proposed by the office</source>
        <translation>办公室建议的服务证积分</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Complaints: %1 open, %2 overdue</source>
        <translation>投诉：%1 条未结，%2 条已超时</translation>
    </message>
    <message>
        <source>No complaints.</source>
        <translation>没有投诉。</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Answered on time</source>
        <translation>及时答复</translation>
    </message>
    <message>
        <source>Answered late</source>
        <translation>答复超时</translation>
    </message>
    <message>
        <source>Answer: %1</source>
        <translation>答复：%1</translation>
    </message>
    <message>
        <source>received %1</source>
        <translation>%1 收到</translation>
    </message>
    <message>
        <source>Job %1 · engineer %2</source>
        <translation>工单 %1 · 服务工程师 %2</translation>
    </message>
    <message>
        <source>Owner: %1</source>
        <translation>负责人：%1</translation>
    </message>
    <message>
        <source>Record licence points</source>
        <translation>记录服务证积分</translation>
    </message>
    <message>
        <source>Propose licence points</source>
        <translation>建议服务证积分</translation>
    </message>
    <message>
        <source>Not on this device.</source>
        <translation>不在本设备上。</translation>
    </message>
    <message>
        <source>This complaint names no job.</source>
        <translation>此投诉未关联工单。</translation>
    </message>
    <message>
        <source>Choose the customer.</source>
        <translation>请选择客户。</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>驳回</translation>
    </message>
    <message>
        <source>Not confirmed</source>
        <translation>未确认</translation>
    </message>
    <message>
        <source>Decided already.</source>
        <translation>已有决定。</translation>
    </message>
</context>
<context>
    <name>CustomerTab</name>
    <message>
        <source>Due: declined repairs, maintenance, warranty</source>
        <translation>到期提醒：客户暂缓的维修、保养、三包</translation>
    </message>
    <message>
        <source>Open complaints</source>
        <translation>未结投诉</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Machines</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Service history</source>
        <translation>服务记录</translation>
    </message>
    <message>
        <source>Key customer: priority in dispatch and response</source>
        <translation>大客户：优先派工、优先响应</translation>
    </message>
    <message>
        <source>No machines on file.</source>
        <translation>档案中没有设备。</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Older jobs not shown: %1</source>
        <translation>另有 %1 个更早的工单未显示</translation>
    </message>
    <message>
        <source>Customer&apos;s phone</source>
        <translation>客户电话</translation>
    </message>
    <message>
        <source>No earlier service.</source>
        <translation>以前没有服务记录。</translation>
    </message>
</context>
<context>
    <name>EnrollPage</name>
    <message>
        <source>Connect this device to HQ</source>
        <extracomment>What IT placed (sync/preconfig.py&apos;s precedence), and HQ&apos;s pinned certificate.</extracomment>
        <translation>将本设备连接到总部</translation>
    </message>
    <message>
        <source>Your supervisor or IT gives you HQ&apos;s address and a one-time code, or a QR code picture. You need a network only for this step.</source>
        <translation>服务经理或 IT 人员会提供总部地址和一次性注册码，或一张二维码图片。只有这一步需要联网。</translation>
    </message>
    <message>
        <source>HQ address</source>
        <translation>总部地址</translation>
    </message>
    <message>
        <source>12 letters and digits</source>
        <translation>12 位字母和数字</translation>
    </message>
    <message>
        <source>Enrollment code</source>
        <translation>注册码</translation>
    </message>
    <message>
        <source>Device name</source>
        <translation>设备名称</translation>
    </message>
    <message>
        <source>Read a QR code picture…</source>
        <translation>读取二维码图片…</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Choose the QR code picture</source>
        <translation>选择二维码图片</translation>
    </message>
    <message>
        <source>No QR code found in this picture.</source>
        <translation>这张图片中没有找到二维码。</translation>
    </message>
    <message>
        <source>This QR code is not a fieldapp enrollment code.</source>
        <translation>这不是 fieldapp 的注册二维码。</translation>
    </message>
    <message>
        <source>The QR code holds no valid HQ address.</source>
        <translation>二维码中没有有效的总部地址。</translation>
    </message>
    <message>
        <source>This file is not a picture the app can read.</source>
        <translation>此文件不是本应用能读取的图片。</translation>
    </message>
    <message>
        <source>Read from the QR code. Press Connect.</source>
        <translation>已从二维码读取，请点“连接”。</translation>
    </message>
    <message>
        <source>This is not an address of HQ: write it as https://hq.example.com</source>
        <translation>这不是总部地址：请按 https://hq.example.com 的格式填写</translation>
    </message>
    <message>
        <source>Enter the code you were given.</source>
        <translation>请输入发给您的注册码。</translation>
    </message>
    <message>
        <source>Connecting to HQ…</source>
        <translation>正在连接总部…</translation>
    </message>
    <message>
        <source>Enter HQ&apos;s address, such as https://hq.example.com</source>
        <translation>请输入总部地址，例如 https://hq.example.com</translation>
    </message>
    <message>
        <source>The address cannot contain spaces.</source>
        <translation>地址中不能有空格。</translation>
    </message>
    <message>
        <source>The address must start with http:// or https://</source>
        <translation>地址必须以 http:// 或 https:// 开头</translation>
    </message>
    <message>
        <source>The address has no host name after %1.</source>
        <translation>地址中 %1 后面缺少主机名。</translation>
    </message>
    <message>
        <source>The port after the colon must be a number from 1 to 65535.</source>
        <translation>冒号后的端口号必须是 1 到 65535 之间的数字。</translation>
    </message>
    <message>
        <source>HQ cannot be reached: check the address and the network.</source>
        <translation>无法连接总部：请检查地址和网络。</translation>
    </message>
    <message>
        <source>HQ refused the code: %1</source>
        <translation>总部拒绝了注册码：%1</translation>
    </message>
</context>
<context>
    <name>FaultsTab</name>
    <message>
        <source>Record a fault</source>
        <translation>记录故障</translation>
    </message>
    <message>
        <source>Assembly</source>
        <translation>总成</translation>
    </message>
    <message>
        <source>Fault code on the display, if any</source>
        <translation>显示屏上的故障代码（如有）</translation>
    </message>
    <message>
        <source>Fault code</source>
        <translation>故障代码</translation>
    </message>
    <message>
        <source>Symptom</source>
        <translation>故障现象</translation>
    </message>
    <message>
        <source>Cause</source>
        <translation>故障原因</translation>
    </message>
    <message>
        <source>Action taken</source>
        <translation>处理措施</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>维修地点</translation>
    </message>
    <message>
        <source>Fixed</source>
        <translation>已排除</translation>
    </message>
    <message>
        <source>Loaner machine provided</source>
        <translation>已提供周转机</translation>
    </message>
    <message>
        <source>Caused by misuse (not covered)</source>
        <translation>使用不当造成（不属三包）</translation>
    </message>
    <message>
        <source>Cancel editing</source>
        <translation>取消修改</translation>
    </message>
    <message>
        <source>Save fault</source>
        <translation>保存故障</translation>
    </message>
    <message>
        <source>Faults on this job</source>
        <translation>本工单的故障</translation>
    </message>
    <message>
        <source>— choose the assembly —</source>
        <translation>— 请选择总成 —</translation>
    </message>
    <message>
        <source>fixed</source>
        <translation>已排除</translation>
    </message>
    <message>
        <source>NOT fixed</source>
        <translation>未排除</translation>
    </message>
    <message>
        <source>Cause: %1</source>
        <translation>原因：%1</translation>
    </message>
    <message>
        <source>Action: %1</source>
        <translation>处理：%1</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>修改</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>No fault recorded yet.
Pick the assembly above, describe the cause and what you did, and tap Save fault.</source>
        <translation>还没有记录故障。
请在上方选择总成，填写故障原因和处理措施，然后点“保存故障”。</translation>
    </message>
    <message>
        <source>No fault was recorded.</source>
        <translation>未记录故障。</translation>
    </message>
    <message>
        <source>Choose the assembly the fault is in.</source>
        <translation>请选择故障所在的总成。</translation>
    </message>
    <message>
        <source>Save changes</source>
        <translation>保存修改</translation>
    </message>
</context>
<context>
    <name>FindingsTab</name>
    <message>
        <source>Found on arrival</source>
        <translation>到场检查发现</translation>
    </message>
    <message>
        <source>e.g. bucket teeth, track chain</source>
        <translation>例如：斗齿、履带链条</translation>
    </message>
    <message>
        <source>Part</source>
        <translation>部位</translation>
    </message>
    <message>
        <source>What is wrong</source>
        <translation>存在问题</translation>
    </message>
    <message>
        <source>Fix it now</source>
        <translation>现场修复</translation>
    </message>
    <message>
        <source>The customer declines</source>
        <translation>用户暂不修复</translation>
    </message>
    <message>
        <source>Repair</source>
        <translation>维修</translation>
    </message>
    <message>
        <source>What may happen if it is not fixed</source>
        <translation>不修复可能造成的后果</translation>
    </message>
    <message>
        <source>Risk if not fixed</source>
        <translation>不修复的危害</translation>
    </message>
    <message>
        <source>Remaining life</source>
        <translation>预计剩余寿命</translation>
    </message>
    <message>
        <source>Remind on</source>
        <translation>提醒日期</translation>
    </message>
    <message>
        <source>Add finding</source>
        <translation>添加问题</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>预检发现</translation>
    </message>
    <message>
        <source>fix now</source>
        <translation>本次修复</translation>
    </message>
    <message>
        <source>declined: reminder set</source>
        <translation>客户暂缓：已设提醒</translation>
    </message>
    <message>
        <source>Risk: %1</source>
        <translation>风险：%1</translation>
    </message>
    <message>
        <source>remind on %1</source>
        <translation>提醒日期：%1</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Nothing found on arrival yet.
Walk round the machine and add what you find above: the customer sees it before the work starts.</source>
        <translation>到场检查尚未发现问题。
请绕机检查一周，把发现的问题添加在上方：开工前会请客户过目。</translation>
    </message>
    <message>
        <source>Nothing was found on arrival.</source>
        <translation>到场检查未发现问题。</translation>
    </message>
    <message>
        <source>Say what may happen if it is not fixed: the customer is told.</source>
        <translation>请填写不修复可能造成的后果：这将告知客户。</translation>
    </message>
    <message>
        <source>Choose a reminder date after today.</source>
        <translation>请选择今天以后的提醒日期。</translation>
    </message>
</context>
<context>
    <name>FollowUpQueuePage</name>
    <message>
        <source>Grade C called back: </source>
        <translation>C 类区域回访比例：</translation>
    </message>
    <message>
        <source>Set for the company</source>
        <translation>全公司统一设置</translation>
    </message>
    <message>
        <source>The job</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>The call</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Reached</source>
        <translation>已联系上</translation>
    </message>
    <message>
        <source>Not reached, try later</source>
        <translation>未联系上，稍后再试</translation>
    </message>
    <message>
        <source>The customer praised the engineer</source>
        <translation>客户表扬了服务工程师</translation>
    </message>
    <message>
        <source>The customer&apos;s comments</source>
        <translation>客户意见</translation>
    </message>
    <message>
        <source>The customer has a complaint</source>
        <translation>客户有投诉</translation>
    </message>
    <message>
        <source>The complaint in the customer&apos;s words</source>
        <translation>投诉内容（客户原话）</translation>
    </message>
    <message>
        <source>No licence points</source>
        <translation>不计服务证积分</translation>
    </message>
    <message>
        <source>Why (for the supervisor)</source>
        <translation>原因（供服务经理参考）</translation>
    </message>
    <message>
        <source>Save the call</source>
        <translation>保存回访</translation>
    </message>
    <message>
        <source>Follow-up calls</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>The share of grade-C jobs called back, the same for every clerk.</source>
        <translation>C 类区域工单的回访抽样比例，所有回访员相同。</translation>
    </message>
    <message>
        <source>HQ has not sent the company profile yet: sync first.</source>
        <translation>总部尚未下发公司资料：请先同步。</translation>
    </message>
    <message>
        <source>The user is not on this device.</source>
        <translation>本设备上没有该用户。</translation>
    </message>
    <message>
        <source>Calls due: %1</source>
        <translation>待回访：%1</translation>
    </message>
    <message>
        <source>Close jobs not sampled (%1)</source>
        <translation>关闭未抽中的工单（%1）</translation>
    </message>
    <message>
        <source>Key customer</source>
        <translation>大客户</translation>
    </message>
    <message>
        <source>Try again after %1</source>
        <translation>%1 后再试</translation>
    </message>
    <message>
        <source>Calls not answered: %1</source>
        <translation>未联系上：%1</translation>
    </message>
    <message>
        <source>No calls due.</source>
        <translation>没有待回访的工单。</translation>
    </message>
    <message>
        <source>key customer: always called</source>
        <translation>大客户：必须回访</translation>
    </message>
    <message>
        <source>grade %1 region: every job</source>
        <translation>%1 类区域：每单回访</translation>
    </message>
    <message>
        <source>grade C region: in the sample</source>
        <translation>C 类区域：已抽中</translation>
    </message>
    <message>
        <source>Engineer: %1</source>
        <translation>服务工程师：%1</translation>
    </message>
    <message>
        <source>Machine: %1</source>
        <translation>设备：%1</translation>
    </message>
    <message>
        <source>Finished: %1</source>
        <translation>完工：%1</translation>
    </message>
    <message>
        <source>warranty</source>
        <translation>三包</translation>
    </message>
    <message>
        <source>Charged: %1</source>
        <translation>收费：%1</translation>
    </message>
    <message>
        <source>%1: not reached</source>
        <translation>%1：未联系上</translation>
    </message>
    <message>
        <source>The job is no longer on this device.</source>
        <translation>此工单已不在本设备上。</translation>
    </message>
</context>
<context>
    <name>ItemRow</name>
    <message>
        <source>Replace photo</source>
        <translation>重拍照片</translation>
    </message>
    <message>
        <source>Add photo</source>
        <translation>添加照片</translation>
    </message>
    <message>
        <source>Photo taken</source>
        <translation>已拍照</translation>
    </message>
    <message>
        <source>Photo for this item</source>
        <translation>本检查项的照片</translation>
    </message>
    <message>
        <source>Processing the photo…</source>
        <translation>正在处理照片…</translation>
    </message>
    <message>
        <source>This file is not a picture the app can read.</source>
        <translation>此文件不是本应用能读取的图片。</translation>
    </message>
</context>
<context>
    <name>JobListPage</name>
    <message>
        <source>Mon %1</source>
        <translation>周一 %1</translation>
    </message>
    <message>
        <source>Tue %1</source>
        <translation>周二 %1</translation>
    </message>
    <message>
        <source>Wed %1</source>
        <translation>周三 %1</translation>
    </message>
    <message>
        <source>Thu %1</source>
        <translation>周四 %1</translation>
    </message>
    <message>
        <source>Fri %1</source>
        <translation>周五 %1</translation>
    </message>
    <message>
        <source>Sat %1</source>
        <translation>周六 %1</translation>
    </message>
    <message>
        <source>Sun %1</source>
        <translation>周日 %1</translation>
    </message>
    <message>
        <source>no time agreed</source>
        <translation>未约定时间</translation>
    </message>
    <message>
        <source>Today %1</source>
        <translation>今天 %1</translation>
    </message>
    <message>
        <source>Tomorrow %1</source>
        <translation>明天 %1</translation>
    </message>
    <message>
        <source>Yesterday %1</source>
        <translation>昨天 %1</translation>
    </message>
    <message>
        <source>Sign off</source>
        <translation>签字确认</translation>
    </message>
    <message>
        <source>Resend</source>
        <translation>重新发送</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Key customer</source>
        <translation>大客户</translation>
    </message>
    <message>
        <source>Information missing</source>
        <translation>派工信息不全</translation>
    </message>
    <message>
        <source>Needs attention</source>
        <translation>需处理</translation>
    </message>
    <message>
        <source>I will be late</source>
        <translation>我会迟到</translation>
    </message>
    <message>
        <source>Agreed %1</source>
        <translation>约定 %1</translation>
    </message>
    <message>
        <source>On site by %1</source>
        <translation>最迟 %1 到场</translation>
    </message>
    <message>
        <source>Search: job number, customer, serial number, symptom</source>
        <translation>搜索：工单号、客户、出厂编号、故障现象</translation>
    </message>
    <message>
        <source>Key customers only</source>
        <translation>只看大客户</translation>
    </message>
    <message>
        <source>List</source>
        <translation>列表</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日程</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Upcoming</source>
        <translation>即将到来</translation>
    </message>
    <message>
        <source>Waiting for sync</source>
        <translation>待同步</translation>
    </message>
    <message>
        <source>Returned for rework</source>
        <translation>退回返工</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>No jobs today.</source>
        <translation>今天没有工单。</translation>
    </message>
    <message>
        <source>No job matches the search.</source>
        <translation>没有符合搜索条件的工单。</translation>
    </message>
    <message>
        <source>No jobs here.</source>
        <translation>这里没有工单。</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) of earlier days or without a time: in the list.</source>
        <translation>
            <numerusform>另有 %n 个往日或未约定时间的工单：请在列表中查看。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: %2, saved.</source>
        <translation>%1：%2，已保存。</translation>
    </message>
    <message>
        <source>%1: new time agreed, saved.</source>
        <translation>%1：新约定时间已保存。</translation>
    </message>
</context>
<context>
    <name>JobPage</name>
    <message>
        <source>Jobs</source>
        <translation>工单列表</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>派工单</translation>
    </message>
    <message>
        <source>Customer file</source>
        <translation>客户档案</translation>
    </message>
    <message>
        <source>Pre-inspection</source>
        <translation>预检</translation>
    </message>
    <message>
        <source>Checklists</source>
        <translation>检查表</translation>
    </message>
    <message>
        <source>Faults</source>
        <translation>故障</translation>
    </message>
    <message>
        <source>Parts</source>
        <translation>配件</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>工时</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Sign-off</source>
        <translation>签字确认</translation>
    </message>
    <message>
        <source>Total %1</source>
        <translation>合计 %1</translation>
    </message>
    <message>
        <source>Parts %1 + labour %2; under warranty %3 (not charged)</source>
        <translation>配件 %1 + 工时 %2；三包 %3（不收费）</translation>
    </message>
    <message>
        <source>Opens once the arrival on site is registered.</source>
        <translation>登记到达现场后才能打开。</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <source>Not assigned</source>
        <translation>未派工</translation>
    </message>
    <message>
        <source>Assigned</source>
        <translation>已派工</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>已接单</translation>
    </message>
    <message>
        <source>On the way</source>
        <translation>在途</translation>
    </message>
    <message>
        <source>On site</source>
        <translation>在现场</translation>
    </message>
    <message>
        <source>Signed</source>
        <translation>客户已签字</translation>
    </message>
    <message>
        <source>Returned for rework</source>
        <translation>退回返工</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已审核</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Installation</source>
        <translation>安装调试</translation>
    </message>
    <message>
        <source>Repair</source>
        <translation>维修</translation>
    </message>
    <message>
        <source>Maintenance</source>
        <translation>保养</translation>
    </message>
    <message>
        <source>Inspection</source>
        <translation>巡检</translation>
    </message>
    <message>
        <source>Warranty claim</source>
        <translation>三包索赔</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>培训</translation>
    </message>
    <message>
        <source>Return visit</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>不急</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>接单</translation>
    </message>
    <message>
        <source>Hand back</source>
        <translation>退回派工</translation>
    </message>
    <message>
        <source>Depart</source>
        <translation>出发</translation>
    </message>
    <message>
        <source>Arrived on site</source>
        <translation>到达现场</translation>
    </message>
    <message>
        <source>Leave unfinished</source>
        <translation>未完工离场</translation>
    </message>
    <message>
        <source>Undo departure</source>
        <translation>撤销出发</translation>
    </message>
    <message>
        <source>Undo arrival</source>
        <translation>撤销到达</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>已收到</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已答复</translation>
    </message>
    <message>
        <source>New time agreed</source>
        <translation>已改约时间</translation>
    </message>
    <message>
        <source>Handed back</source>
        <translation>已退回派工</translation>
    </message>
    <message>
        <source>Departed</source>
        <translation>已出发</translation>
    </message>
    <message>
        <source>Arrived</source>
        <translation>已到达</translation>
    </message>
    <message>
        <source>Left unfinished</source>
        <translation>未完工离场</translation>
    </message>
    <message>
        <source>Left site</source>
        <translation>已离场</translation>
    </message>
    <message>
        <source>Signed by the customer</source>
        <translation>客户已签字</translation>
    </message>
    <message>
        <source>Dispatch information corrected</source>
        <translation>已更正派工信息</translation>
    </message>
    <message>
        <source>Departure undone</source>
        <translation>已撤销出发</translation>
    </message>
    <message>
        <source>Arrival undone</source>
        <translation>已撤销到达</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>发动机</translation>
    </message>
    <message>
        <source>Hydraulic pump</source>
        <translation>液压泵</translation>
    </message>
    <message>
        <source>Hydraulic valve</source>
        <translation>液压阀</translation>
    </message>
    <message>
        <source>Hydraulic cylinder</source>
        <translation>液压油缸</translation>
    </message>
    <message>
        <source>Slewing</source>
        <translation>回转系统</translation>
    </message>
    <message>
        <source>Travel</source>
        <translation>路途</translation>
    </message>
    <message>
        <source>Drive axle</source>
        <translation>驱动桥</translation>
    </message>
    <message>
        <source>Back to unassigned</source>
        <translation>退回未派工</translation>
    </message>
    <message>
        <source>Follow-up job opened</source>
        <translation>已开后续工单</translation>
    </message>
    <message>
        <source>Travel system</source>
        <translation>行走系统</translation>
    </message>
    <message>
        <source>Gearbox</source>
        <translation>变速箱</translation>
    </message>
    <message>
        <source>Undercarriage</source>
        <translation>底盘</translation>
    </message>
    <message>
        <source>Electrics</source>
        <translation>电气系统</translation>
    </message>
    <message>
        <source>Cab</source>
        <translation>驾驶室</translation>
    </message>
    <message>
        <source>Boom, arm and bucket</source>
        <translation>动臂、斗杆及铲斗</translation>
    </message>
    <message>
        <source>Crane boom and winch</source>
        <translation>吊臂及卷扬</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Repaired on site</source>
        <translation>现场维修</translation>
    </message>
    <message>
        <source>Taken to the workshop</source>
        <translation>拉修回厂</translation>
    </message>
    <message>
        <source>Labour</source>
        <translation>维修工时</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>等待</translation>
    </message>
    <message>
        <source>Missing photo</source>
        <translation>缺少照片</translation>
    </message>
    <message>
        <source>Wrong part</source>
        <translation>配件错误</translation>
    </message>
    <message>
        <source>Wrong warranty decision</source>
        <translation>三包判定错误</translation>
    </message>
    <message>
        <source>Incomplete checklist</source>
        <translation>检查表不完整</translation>
    </message>
    <message>
        <source>Broken promise (−)</source>
        <translation>未兑现承诺 (−)</translation>
    </message>
    <message>
        <source>Non-standard service (−)</source>
        <translation>服务不规范 (−)</translation>
    </message>
    <message>
        <source>Overcharging (−)</source>
        <translation>乱收费 (−)</translation>
    </message>
    <message>
        <source>Not fixed in one visit (−)</source>
        <translation>未一次修复 (−)</translation>
    </message>
    <message>
        <source>Repeat repairs (−)</source>
        <translation>重复维修 (−)</translation>
    </message>
    <message>
        <source>Customer delighted (+)</source>
        <translation>客户非常满意 (+)</translation>
    </message>
    <message>
        <source>Small improvement (+)</source>
        <translation>小改进 (+)</translation>
    </message>
    <message>
        <source>Very satisfied</source>
        <translation>非常满意</translation>
    </message>
    <message>
        <source>Highly satisfied</source>
        <translation>很满意</translation>
    </message>
    <message>
        <source>Satisfied</source>
        <translation>满意</translation>
    </message>
    <message>
        <source>Dissatisfied</source>
        <translation>不满意</translation>
    </message>
    <message>
        <source>Return period: return, exchange or free repair</source>
        <translation>包退期：可退货、换货或免费维修</translation>
    </message>
    <message>
        <source>Exchange period: exchange or free repair</source>
        <translation>包换期：可换货或免费维修</translation>
    </message>
    <message>
        <source>In warranty: free repair</source>
        <translation>三包期内：免费维修</translation>
    </message>
    <message>
        <source>Out of warranty: chargeable</source>
        <translation>已过三包期：收费</translation>
    </message>
    <message>
        <source>Warranty unknown: no purchase date</source>
        <translation>三包状态不明：无购机日期</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户名称</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>机型</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>出厂编号</translation>
    </message>
    <message>
        <source>Purchase date</source>
        <translation>购机日期</translation>
    </message>
    <message>
        <source>Symptom</source>
        <translation>故障现象</translation>
    </message>
    <message>
        <source>Customer&apos;s request</source>
        <translation>用户要求</translation>
    </message>
    <message>
        <source>missing</source>
        <translation>缺失</translation>
    </message>
    <message>
        <source>too vague to find the site</source>
        <translation>太笼统，无法找到现场</translation>
    </message>
    <message>
        <source>not a valid phone number</source>
        <translation>不是有效的电话号码</translation>
    </message>
    <message>
        <source>not one of our models</source>
        <translation>不是本公司的机型</translation>
    </message>
    <message>
        <source>differs from the machine on file</source>
        <translation>与档案中的设备不一致</translation>
    </message>
    <message>
        <source>does not look like a serial number</source>
        <translation>不像是出厂编号</translation>
    </message>
    <message>
        <source>is in the future</source>
        <translation>晚于今天</translation>
    </message>
    <message>
        <source>too short to prepare the visit</source>
        <translation>太简略，无法做出发前准备</translation>
    </message>
    <message>
        <source>Checklist not started</source>
        <translation>检查表未开始</translation>
    </message>
    <message>
        <source>Required item not answered</source>
        <translation>必填项未填写</translation>
    </message>
    <message>
        <source>Photo missing</source>
        <translation>缺少照片</translation>
    </message>
    <message>
        <source>Value out of range</source>
        <translation>数值超出范围</translation>
    </message>
    <message>
        <source>Check failed</source>
        <translation>检查不合格</translation>
    </message>
    <message>
        <source>Not a number</source>
        <translation>不是数字</translation>
    </message>
    <message>
        <source>Fault not fixed and no follow-up job</source>
        <translation>故障未排除且没有后续工单</translation>
    </message>
    <message>
        <source>Repair job without a recorded fault</source>
        <translation>维修工单没有故障记录</translation>
    </message>
    <message>
        <source>No labour time recorded</source>
        <translation>没有记录维修工时</translation>
    </message>
    <message>
        <source>Assign the job to an engineer.</source>
        <translation>请把工单派给一名服务工程师。</translation>
    </message>
    <message>
        <source>The job is already this engineer&apos;s.</source>
        <translation>此工单已派给该服务工程师。</translation>
    </message>
    <message>
        <source>That engineer is not in your team.</source>
        <translation>该服务工程师不在您的团队中。</translation>
    </message>
    <message>
        <source>The job is not assigned.</source>
        <translation>此工单未派工。</translation>
    </message>
    <message>
        <source>Pick the customer or enter a new one.</source>
        <translation>请选择客户或新建客户。</translation>
    </message>
    <message>
        <source>Pick the customer&apos;s region.</source>
        <translation>请选择客户所在区域。</translation>
    </message>
    <message>
        <source>The machine&apos;s serial number is required.</source>
        <translation>需要填写设备出厂编号。</translation>
    </message>
    <message>
        <source>A machine with this serial is on file.</source>
        <translation>档案中已有此出厂编号的设备。</translation>
    </message>
    <message>
        <source>Pick the machine&apos;s model.</source>
        <translation>请选择设备机型。</translation>
    </message>
    <message>
        <source>That machine belongs to another customer.</source>
        <translation>该设备属于其他客户。</translation>
    </message>
    <message>
        <source>This job cannot be rescheduled now.</source>
        <translation>此工单现在不能改约时间。</translation>
    </message>
    <message>
        <source>Pick one of the offered answers.</source>
        <translation>请从给出的选项中选择。</translation>
    </message>
    <message>
        <source>Say which part and what is wrong.</source>
        <translation>请填写部位和存在的问题。</translation>
    </message>
    <message>
        <source>What is incomplete changed: go through it with the customer again.</source>
        <translation>未完成项有变化：请与客户重新逐项确认。</translation>
    </message>
    <message>
        <source>Settle your open items first, or say why they stay open.</source>
        <translation>请先处理待办事项，或说明暂不处理的原因。</translation>
    </message>
    <message>
        <source>Tell the customer what may happen if it is not fixed now.</source>
        <translation>请告知客户不立即修复可能造成的后果。</translation>
    </message>
    <message>
        <source>An hour meter reading cannot be negative.</source>
        <translation>工作小时读数不能为负数。</translation>
    </message>
    <message>
        <source>The hour meter cannot read less than last time.</source>
        <translation>工作小时读数不能小于上次读数。</translation>
    </message>
    <message>
        <source>Enter between 1 minute and 24 hours.</source>
        <translation>请输入 1 分钟到 24 小时之间的时长。</translation>
    </message>
    <message>
        <source>Work is recorded once the arrival is registered.</source>
        <translation>登记到达现场后才能记录工作。</translation>
    </message>
    <message>
        <source>The quantity must be at least 1.</source>
        <translation>数量至少为 1。</translation>
    </message>
    <message>
        <source>Give a reason.</source>
        <translation>请填写原因。</translation>
    </message>
    <message>
        <source>The report is signed; the job can&apos;t change.</source>
        <translation>报告已签字，工单不能再修改。</translation>
    </message>
    <message>
        <source>That entry is not part of this job.</source>
        <translation>该记录不属于本工单。</translation>
    </message>
    <message>
        <source>The customer&apos;s signature is required.</source>
        <translation>需要客户签字。</translation>
    </message>
    <message>
        <source>The customer&apos;s name is required.</source>
        <translation>需要填写客户姓名。</translation>
    </message>
    <message>
        <source>Describe the symptom.</source>
        <translation>请描述故障现象。</translation>
    </message>
    <message>
        <source>Say why the rule&apos;s charge decision is overridden.</source>
        <translation>请说明为何不按规则判定收费。</translation>
    </message>
    <message>
        <source>This is not possible at this stage.</source>
        <translation>当前阶段不能进行此操作。</translation>
    </message>
    <message>
        <source>Your role may not do this.</source>
        <translation>您的角色无权进行此操作。</translation>
    </message>
    <message>
        <source>Only the assigned engineer may do this.</source>
        <translation>只有被派工的服务工程师可以进行此操作。</translation>
    </message>
    <message>
        <source>Enter a number, e.g. 12.5</source>
        <translation>请输入数字，例如 12.5</translation>
    </message>
    <message>
        <source>It is too late to undo this; the register keeps it.</source>
        <translation>已超过可撤销的时间；登记记录将保留。</translation>
    </message>
    <message>
        <source>Warranty: free</source>
        <translation>三包：免费</translation>
    </message>
    <message>
        <source>Chargeable: out of warranty</source>
        <translation>收费：已过三包期</translation>
    </message>
    <message>
        <source>Chargeable: consumable part</source>
        <translation>收费：易损件</translation>
    </message>
    <message>
        <source>Chargeable: misuse</source>
        <translation>收费：使用不当</translation>
    </message>
    <message>
        <source>Chargeable: scheduled maintenance</source>
        <translation>收费：定期保养</translation>
    </message>
    <message>
        <source>Chargeable: purchase date unknown</source>
        <translation>收费：购机日期不明</translation>
    </message>
    <message>
        <source>Decision overridden</source>
        <translation>已人工改判</translation>
    </message>
    <message>
        <source>Requested</source>
        <translation>已申请</translation>
    </message>
    <message>
        <source>Approved for delivery</source>
        <translation>已批准发货</translation>
    </message>
    <message>
        <source>Shipped</source>
        <translation>已发货</translation>
    </message>
    <message>
        <source>Received in the van</source>
        <translation>已到服务车</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已驳回</translation>
    </message>
    <message>
        <source>Agriculture</source>
        <translation>农业</translation>
    </message>
    <message>
        <source>Construction</source>
        <translation>建筑施工</translation>
    </message>
    <message>
        <source>Crane hire</source>
        <translation>吊装租赁</translation>
    </message>
    <message>
        <source>Mining</source>
        <translation>矿山</translation>
    </message>
    <message>
        <source>Municipal works</source>
        <translation>市政工程</translation>
    </message>
    <message>
        <source>Owner-operator</source>
        <translation>个体机主</translation>
    </message>
    <message>
        <source>Quarry</source>
        <translation>采石场</translation>
    </message>
    <message>
        <source>Equipment rental</source>
        <translation>设备租赁</translation>
    </message>
    <message>
        <source>Water conservancy</source>
        <translation>水利工程</translation>
    </message>
    <message>
        <source>read by the engineer</source>
        <translation>工程师现场读取</translation>
    </message>
    <message>
        <source>sent by the machine</source>
        <translation>设备远程上传</translation>
    </message>
    <message>
        <source>told by the customer</source>
        <translation>客户告知</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Not OK</source>
        <translation>异常</translation>
    </message>
    <message>
        <source>N/A</source>
        <translation>不适用</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>MachineHistorySection</name>
    <message>
        <source>Hour meter over time</source>
        <translation>工作小时变化</translation>
    </message>
    <message>
        <source>Earlier visits: faults and parts</source>
        <translation>以往服务：故障和配件</translation>
    </message>
    <message>
        <source>No machine on file for this job.</source>
        <translation>档案中没有此工单的设备。</translation>
    </message>
    <message>
        <source>No hour-meter readings on file.</source>
        <translation>档案中没有工作小时读数。</translation>
    </message>
    <message>
        <source>Fault: %1: %2</source>
        <translation>故障：%1，%2</translation>
    </message>
    <message>
        <source>Part: %1</source>
        <translation>配件：%1</translation>
    </message>
    <message>
        <source>Older visits not shown: %1</source>
        <translation>另有 %1 次更早的服务未显示</translation>
    </message>
    <message>
        <source>No earlier visits of this machine.</source>
        <translation>此设备以前没有服务记录。</translation>
    </message>
    <message>
        <source>Return until %1</source>
        <translation>包退期至 %1</translation>
    </message>
    <message>
        <source>Exchange until %1</source>
        <translation>包换期至 %1</translation>
    </message>
    <message>
        <source>Free repair of parts and labour until %1 (days left: %2)</source>
        <translation>配件和工时免费保修至 %1（剩余 %2 天）</translation>
    </message>
    <message>
        <source>Free repair ended on %1</source>
        <translation>免费保修已于 %1 到期</translation>
    </message>
    <message>
        <source>On-site service for the machine&apos;s life</source>
        <translation>终身上门服务</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>fieldapp — service jobs</source>
        <translation>fieldapp — 服务工单</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
    <message>
        <source>%1&apos;s jobs</source>
        <translation>%1的工单</translation>
    </message>
    <message>
        <source>%1 — office</source>
        <translation>%1 — 办公室</translation>
    </message>
    <message>
        <source>%1 — supervisor&apos;s desk</source>
        <translation>%1 — 服务经理工作台</translation>
    </message>
    <message>
        <source>That job was reassigned by HQ.</source>
        <translation>总部已将该工单改派他人。</translation>
    </message>
</context>
<context>
    <name>Measures</name>
    <message>
        <source>Jobs</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Calls</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Very satisfied</source>
        <translation>非常满意</translation>
    </message>
    <message>
        <source>Dissatisfied</source>
        <translation>不满意</translation>
    </message>
    <message>
        <source>Praise</source>
        <translation>表扬</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>得分</translation>
    </message>
    <message>
        <source>Bonus (¥)</source>
        <translation>奖金（¥）</translation>
    </message>
    <message>
        <source>Licence points</source>
        <translation>服务证积分</translation>
    </message>
    <message>
        <source>Answered in 4 h</source>
        <translation>4 小时内响应</translation>
    </message>
    <message>
        <source>On site in time</source>
        <translation>及时到场</translation>
    </message>
    <message>
        <source>Complaints answered in 4 h</source>
        <translation>投诉 4 小时内答复</translation>
    </message>
    <message>
        <source>Fixed first time</source>
        <translation>一次修复</translation>
    </message>
    <message>
        <source>Return repairs</source>
        <translation>返修</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Complaint PPM</source>
        <translation>投诉 PPM</translation>
    </message>
    <message>
        <source>Dissatisfaction PPM</source>
        <translation>不满意 PPM</translation>
    </message>
    <message>
        <source>Omission PPM</source>
        <translation>漏报 PPM</translation>
    </message>
    <message>
        <source>Warranty cost (¥)</source>
        <translation>三包费用（¥）</translation>
    </message>
    <message>
        <source>Parts used</source>
        <translation>更换配件</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>登录名</translation>
    </message>
    <message>
        <source>Engineer</source>
        <translation>服务工程师</translation>
    </message>
    <message>
        <source>Job type</source>
        <translation>服务类型</translation>
    </message>
    <message>
        <source>Part number</source>
        <translation>配件编号</translation>
    </message>
    <message>
        <source>Name (Chinese)</source>
        <translation>中文名称</translation>
    </message>
    <message>
        <source>Name (English)</source>
        <translation>英文名称</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Under warranty</source>
        <translation>其中三包</translation>
    </message>
    <message>
        <source>Value (¥)</source>
        <translation>金额（¥）</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>机型</translation>
    </message>
    <message>
        <source>Component</source>
        <translation>部位</translation>
    </message>
    <message>
        <source>Faults</source>
        <translation>故障数</translation>
    </message>
    <message>
        <source>Share</source>
        <translation>占比</translation>
    </message>
    <message>
        <source>Cumulative share</source>
        <translation>累计占比</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>出厂编号</translation>
    </message>
    <message>
        <source>Repairs</source>
        <translation>维修次数</translation>
    </message>
    <message>
        <source>Machines</source>
        <translation>设备数</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>工作小时</translation>
    </message>
    <message>
        <source>Mean hours between faults</source>
        <translation>平均故障间隔小时</translation>
    </message>
    <message>
        <source>Machines without reading</source>
        <translation>无工作小时读数的设备</translation>
    </message>
    <message>
        <source>Their faults</source>
        <translation>其故障数</translation>
    </message>
    <message>
        <source>Figure</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Why left out</source>
        <translation>未计入原因</translation>
    </message>
    <message>
        <source>Engineers</source>
        <translation>服务工程师</translation>
    </message>
    <message>
        <source>Jobs by type</source>
        <translation>按服务类型统计工单</translation>
    </message>
    <message>
        <source>Faults by model and component</source>
        <translation>按机型和部位统计故障</translation>
    </message>
    <message>
        <source>Repeat repairs of a component</source>
        <translation>同一部位重复维修</translation>
    </message>
    <message>
        <source>Hours between faults by model</source>
        <translation>按机型统计故障间隔小时</translation>
    </message>
    <message>
        <source>Left out, and why</source>
        <translation>未计入的工单及原因</translation>
    </message>
    <message>
        <source>Customer not reached</source>
        <translation>未联系上客户</translation>
    </message>
    <message>
        <source>No satisfaction recorded</source>
        <translation>未记录满意度</translation>
    </message>
    <message>
        <source>A later call counts</source>
        <translation>以后一次回访为准</translation>
    </message>
    <message>
        <source>Dissatisfied: bonus withheld</source>
        <translation>不满意：扣发奖金</translation>
    </message>
    <message>
        <source>No follow-up call yet</source>
        <translation>尚未回访</translation>
    </message>
    <message>
        <source>No answer time</source>
        <translation>没有答复时间</translation>
    </message>
    <message>
        <source>No arrival time</source>
        <translation>没有到场时间</translation>
    </message>
    <message>
        <source>No fault recorded</source>
        <translation>未记录故障</translation>
    </message>
    <message>
        <source>No machine</source>
        <translation>没有设备</translation>
    </message>
    <message>
        <source>No completion time</source>
        <translation>没有完工时间</translation>
    </message>
    <message>
        <source>No model</source>
        <translation>没有机型</translation>
    </message>
    <message>
        <source>Operator misuse</source>
        <translation>使用不当</translation>
    </message>
    <message>
        <source>No hour meter reading</source>
        <translation>没有工作小时读数</translation>
    </message>
    <message>
        <source>No job</source>
        <translation>没有工单</translation>
    </message>
    <message>
        <source>Cancelled after approval</source>
        <translation>批准后取消</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>已删除</translation>
    </message>
    <message>
        <source>Fault neither fixed nor followed up</source>
        <translation>故障既未排除也无后续工单</translation>
    </message>
    <message>
        <source>Due for a call, none made</source>
        <translation>应回访但未回访</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>已吊销</translation>
    </message>
    <message>
        <source>Service measures</source>
        <translation>服务指标</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>班组</translation>
    </message>
    <message>
        <source>All teams</source>
        <translation>全部班组</translation>
    </message>
    <message>
        <source>Counted at</source>
        <translation>统计时间</translation>
    </message>
    <message>
        <source>Closed by %1 at %2</source>
        <translation>已由 %1 于 %2 关账</translation>
    </message>
    <message>
        <source>Not closed yet</source>
        <translation>尚未关账</translation>
    </message>
    <message>
        <source>Changes since the month was closed: %1</source>
        <translation>关账后的变动：%1</translation>
    </message>
    <message>
        <source>The month in figures</source>
        <translation>本月指标汇总</translation>
    </message>
    <message>
        <source>Follow-up score by engineer</source>
        <translation>各工程师回访得分</translation>
    </message>
    <message>
        <source>Arrivals by engineer</source>
        <translation>各工程师到场情况</translation>
    </message>
    <message>
        <source>On time</source>
        <translation>及时</translation>
    </message>
    <message>
        <source>Late</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>Left out</source>
        <translation>未计入</translation>
    </message>
    <message>
        <source>Rates by engineer</source>
        <translation>各工程师指标率</translation>
    </message>
    <message>
        <source>Others</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Quality feedback for engineering</source>
        <translation>面向研发的质量反馈</translation>
    </message>
    <message>
        <source>Page %1</source>
        <translation>第 %1 页</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1/%2</translation>
    </message>
</context>
<context>
    <name>MeasuresPage</name>
    <message>
        <source>Month before</source>
        <translation>上个月</translation>
    </message>
    <message>
        <source>Month after</source>
        <translation>下个月</translation>
    </message>
    <message>
        <source>Close month</source>
        <translation>月度关账</translation>
    </message>
    <message>
        <source>CSV</source>
        <translation>CSV</translation>
    </message>
    <message>
        <source>Save every table as CSV</source>
        <translation>将所有表格保存为 CSV</translation>
    </message>
    <message>
        <source>PDF</source>
        <translation>PDF</translation>
    </message>
    <message>
        <source>Save the month&apos;s report as PDF</source>
        <translation>将本月报告保存为 PDF</translation>
    </message>
    <message>
        <source>Engineers</source>
        <translation>服务工程师</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>图表</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>质量</translation>
    </message>
    <message>
        <source>Tables</source>
        <translation>表格</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>变动</translation>
    </message>
    <message>
        <source>Tap a figure to see the jobs it counts.</source>
        <translation>点击数字可查看计入的工单。</translation>
    </message>
    <message>
        <source>Measures</source>
        <translation>服务指标</translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation>正在统计…</translation>
    </message>
    <message>
        <source>Not closed yet. Counted at %1.</source>
        <translation>尚未关账。统计时间：%1。</translation>
    </message>
    <message>
        <source>Closed by %1 at %2.</source>
        <translation>已由 %1 于 %2 关账。</translation>
    </message>
    <message>
        <source>%1 changes since: see Changes.</source>
        <translation>此后有 %1 处变动：请查看“变动”。</translation>
    </message>
    <message>
        <source>Nothing changed since.</source>
        <translation>此后没有变动。</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Figure</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>When closed</source>
        <translation>关账时</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>当前</translation>
    </message>
    <message>
        <source>Jobs added</source>
        <translation>新增工单</translation>
    </message>
    <message>
        <source>Jobs gone</source>
        <translation>移出工单</translation>
    </message>
    <message>
        <source>Counted</source>
        <translation>已计入</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Left out</source>
        <translation>未计入</translation>
    </message>
    <message>
        <source>%1 · %2: %3 counted, %4 left out</source>
        <translation>%1 · %2：计入 %3 个，未计入 %4 个</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Why left out</source>
        <translation>未计入原因</translation>
    </message>
    <message>
        <source>%1: %2 jobs</source>
        <translation>%1：%2 个工单</translation>
    </message>
    <message>
        <source>Save the tables in</source>
        <translation>表格保存到</translation>
    </message>
    <message>
        <source>Save the month&apos;s report</source>
        <translation>保存本月报告</translation>
    </message>
    <message>
        <source>%1 tables saved.</source>
        <translation>已保存 %1 个表格。</translation>
    </message>
    <message>
        <source>Saved %1.</source>
        <translation>已保存 %1。</translation>
    </message>
</context>
<context>
    <name>NeedsAnotherVisitDialog</name>
    <message>
        <source>Needs another visit</source>
        <translation>需要再次上门</translation>
    </message>
    <message>
        <source>Why is another visit needed?</source>
        <translation>为什么需要再次上门？</translation>
    </message>
    <message>
        <source>e.g. the main pump must be replaced</source>
        <translation>例如：必须更换主泵</translation>
    </message>
    <message>
        <source>Parts to bring</source>
        <translation>需带配件</translation>
    </message>
    <message>
        <source>Part number, name or pinyin initials</source>
        <translation>配件编号、名称或拼音首字母</translation>
    </message>
    <message>
        <source>Add part</source>
        <translation>添加配件</translation>
    </message>
    <message>
        <source>Wished time</source>
        <translation>期望时间</translation>
    </message>
    <message>
        <source>Assign to me (else it goes to the dispatch board)</source>
        <translation>派给我自己（否则进入派工看板）</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Create follow-up job</source>
        <translation>创建后续工单</translation>
    </message>
    <message>
        <source>Pick a part first.</source>
        <translation>请先选择配件。</translation>
    </message>
    <message>
        <source>No part to bring: add one above, or none.</source>
        <translation>没有需带的配件：请在上方添加，或不添加。</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Please give a reason.</source>
        <translation>请填写原因。</translation>
    </message>
    <message>
        <source>The wished time is in the past.</source>
        <translation>期望时间已过。</translation>
    </message>
</context>
<context>
    <name>NewJobDialog</name>
    <message>
        <source>New job</source>
        <translation>新建工单</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Name, phone or customer code</source>
        <translation>姓名、电话或客户编码</translation>
    </message>
    <message>
        <source>New customer</source>
        <translation>新客户</translation>
    </message>
    <message>
        <source>Key customer</source>
        <translation>大客户</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Machine</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Purchase date known</source>
        <translation>已知购机日期</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>机型</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>出厂编号</translation>
    </message>
    <message>
        <source>The call</source>
        <translation>报修信息</translation>
    </message>
    <message>
        <source>Job type</source>
        <translation>服务类型</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>What is wrong, in the customer&apos;s words</source>
        <translation>故障描述（按客户原话）</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>The customer wishes a time</source>
        <translation>客户有期望时间</translation>
    </message>
    <message>
        <source>Chosen: %1</source>
        <translation>已选：%1</translation>
    </message>
    <message>
        <source>New machine</source>
        <translation>新设备</translation>
    </message>
    <message>
        <source>No machine (training, visit)</source>
        <translation>无设备（培训、走访）</translation>
    </message>
    <message>
        <source>Answer by %1 · on site by %2</source>
        <translation>须于 %1 前答复 · %2 前到场</translation>
    </message>
</context>
<context>
    <name>OfficeDesk</name>
    <message>
        <source>Follow-up calls</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Reminders</source>
        <translation>提醒</translation>
    </message>
    <message>
        <source>Measures</source>
        <translation>服务指标</translation>
    </message>
</context>
<context>
    <name>OfflineBanner</name>
    <message numerus="yes">
        <source>Offline — every change is saved on this device and syncs by itself when HQ can be reached (%n waiting).</source>
        <translation>
            <numerusform>离线 — 所有修改已保存在本机，联网后自动同步（%n 条待同步）。</numerusform>
        </translation>
    </message>
    <message>
        <source>Offline — every change is saved on this device and syncs by itself when HQ can be reached.</source>
        <translation>离线 — 所有修改已保存在本机，联网后自动同步。</translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message>
        <source>Next step</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Dispatch information</source>
        <translation>派工信息</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>不详</translation>
    </message>
    <message>
        <source>Save corrections</source>
        <translation>保存更正</translation>
    </message>
    <message>
        <source>Machine</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Hour meter now</source>
        <translation>当前工作小时</translation>
    </message>
    <message>
        <source>Record reading</source>
        <translation>记录读数</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>进度记录</translation>
    </message>
    <message>
        <source>Key customer</source>
        <translation>大客户</translation>
    </message>
    <message>
        <source>Check with the customer before the visit: %1</source>
        <translation>出发前请与客户核实：%1</translation>
    </message>
    <message>
        <source>Propose a new time</source>
        <translation>改约时间</translation>
    </message>
    <message>
        <source>On site: record the work, then the customer signs.</source>
        <translation>在现场：记录服务内容，然后请客户签字。</translation>
    </message>
    <message>
        <source>Go to sign-off</source>
        <translation>去签字确认</translation>
    </message>
    <message>
        <source>If the visit cannot go as planned:</source>
        <translation>如果无法按计划上门：</translation>
    </message>
    <message>
        <source>Needs another visit</source>
        <translation>需要再次上门</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>修改</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Read the nameplate…</source>
        <translation>读取铭牌…</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Photo of the machine&apos;s nameplate</source>
        <translation>整机铭牌照片</translation>
    </message>
    <message>
        <source>Reading the nameplate…</source>
        <translation>正在读取铭牌…</translation>
    </message>
    <message>
        <source>No code could be read in this photo: take it closer and straight.</source>
        <translation>这张照片中读不出编码：请靠近、正对铭牌重拍。</translation>
    </message>
    <message>
        <source>This file is not a picture the app can read.</source>
        <translation>这个文件不是本应用能读取的图片。</translation>
    </message>
    <message>
        <source>Returned for rework: correct it, then the customer signs again.</source>
        <translation>已退回返工：请修正后再请客户重新签字。</translation>
    </message>
    <message>
        <source>The report is signed and frozen.</source>
        <translation>报告已签字，不能再修改。</translation>
    </message>
    <message>
        <source>Nothing to do on this job now.</source>
        <translation>此工单当前无需操作。</translation>
    </message>
    <message>
        <source>The work tabs open once the arrival on site is registered.</source>
        <translation>登记到达现场后才能打开各工作标签页。</translation>
    </message>
    <message>
        <source>%1 (%2 left)</source>
        <translation>%1（剩余 %2）</translation>
    </message>
    <message>
        <source>Hide the machine&apos;s history</source>
        <translation>隐藏设备履历</translation>
    </message>
    <message>
        <source>Machine history</source>
        <translation>设备履历</translation>
    </message>
    <message>
        <source>No machine on file for this job.</source>
        <translation>档案中没有此工单的设备。</translation>
    </message>
    <message>
        <source>Serial %1</source>
        <translation>出厂编号 %1</translation>
    </message>
    <message>
        <source>Hour meter: %1</source>
        <translation>工作小时：%1</translation>
    </message>
    <message>
        <source>Purchased: %1</source>
        <translation>购机日期：%1</translation>
    </message>
    <message>
        <source>free repair until %1</source>
        <translation>免费保修至 %1</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>On site at the latest</source>
        <translation>最迟到场</translation>
    </message>
    <message>
        <source>Agreed time</source>
        <translation>约定时间</translation>
    </message>
    <message>
        <source>Why do you hand this job back to the dispatcher?</source>
        <translation>为什么要把此工单退回派工员？</translation>
    </message>
    <message>
        <source>Why do you leave the site unfinished (e.g. waiting for parts)?</source>
        <translation>为什么未完工离场（例如等待配件）？</translation>
    </message>
    <message>
        <source>Follow-up job created. HQ receives it at the next sync.</source>
        <translation>后续工单已创建，下次同步时总部将收到。</translation>
    </message>
    <message>
        <source>Nothing changed.</source>
        <translation>没有改动。</translation>
    </message>
    <message>
        <source>Saved. HQ receives the correction at the next sync.</source>
        <translation>已保存，下次同步时总部将收到更正。</translation>
    </message>
</context>
<context>
    <name>PartsRequests</name>
    <message>
        <source>%1: %2 asked, %3 is normal per job</source>
        <translation>%1：申请 %2 件，每单正常用量为 %3 件</translation>
    </message>
    <message>
        <source>Decided already</source>
        <translation>已处理</translation>
    </message>
    <message>
        <source>No part in the request</source>
        <translation>申请中没有配件</translation>
    </message>
    <message>
        <source>Van stock, not for a repair</source>
        <translation>服务车库存，非维修用</translation>
    </message>
    <message>
        <source>Not a warranty repair: the customer pays</source>
        <translation>非三包维修：由客户付费</translation>
    </message>
    <message>
        <source>This request is not from your team.</source>
        <translation>此申请不属于您的班组。</translation>
    </message>
    <message>
        <source>The request has moved on meanwhile: look again.</source>
        <translation>此申请已有新进展：请重新查看。</translation>
    </message>
    <message>
        <source>Enter the carrier and the tracking number.</source>
        <translation>请输入承运方和运单号。</translation>
    </message>
    <message>
        <source>The rule does not approve this request.</source>
        <translation>此申请不符合自动批准规则。</translation>
    </message>
</context>
<context>
    <name>PartsRequestsPage</name>
    <message>
        <source>Request</source>
        <translation>申请</translation>
    </message>
    <message>
        <source>Pick a request in the list.</source>
        <translation>请在列表中选择一条申请。</translation>
    </message>
    <message>
        <source>Reject…</source>
        <translation>驳回…</translation>
    </message>
    <message>
        <source>Ship…</source>
        <translation>发货…</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>批准</translation>
    </message>
    <message>
        <source>Parts requests</source>
        <translation>备件申请</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation>
            <numerusform>%n 条申请</numerusform>
        </translation>
    </message>
    <message>
        <source>Warranty</source>
        <translation>三包</translation>
    </message>
    <message>
        <source>Approved automatically</source>
        <translation>已自动批准</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>All engineers</source>
        <translation>全部工程师</translation>
    </message>
    <message>
        <source>Van stock</source>
        <translation>车上库存</translation>
    </message>
    <message>
        <source>Requested %1</source>
        <translation>%1 申请</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已审核</translation>
    </message>
    <message>
        <source>%1, tracking number %2, shipped %3</source>
        <translation>%1，运单号 %2，%3 发货</translation>
    </message>
    <message>
        <source>Received %1</source>
        <translation>%1 已收货</translation>
    </message>
    <message>
        <source>Note: %1</source>
        <translation>备注：%1</translation>
    </message>
    <message>
        <source>Rejected: %1</source>
        <translation>已驳回：%1</translation>
    </message>
    <message>
        <source>The rule would approve it.</source>
        <translation>按规则可自动批准。</translation>
    </message>
    <message>
        <source>Waits for you:</source>
        <translation>待您处理：</translation>
    </message>
    <message>
        <source>Correct shipment…</source>
        <translation>更正发货信息…</translation>
    </message>
    <message>
        <source>Approved. The engineer sees it after the next sync.</source>
        <translation>已批准。工程师下次同步后即可看到。</translation>
    </message>
    <message>
        <source>Reject the request</source>
        <translation>驳回申请</translation>
    </message>
    <message>
        <source>Why is it rejected? The engineer reads your reason.</source>
        <translation>驳回原因？工程师会看到您填写的原因。</translation>
    </message>
</context>
<context>
    <name>PartsTab</name>
    <message>
        <source>%1 on the van</source>
        <translation>车上库存 %1</translation>
    </message>
    <message>
        <source>replaces %1</source>
        <translation>替代 %1</translation>
    </message>
    <message>
        <source>not listed for this model</source>
        <translation>本机型目录未列出</translation>
    </message>
    <message>
        <source>Use a part</source>
        <translation>使用配件</translation>
    </message>
    <message>
        <source>Part number, name in Chinese or English, pinyin initials — or scan</source>
        <translation>配件编号、中文或英文名称、拼音首字母，或扫码</translation>
    </message>
    <message>
        <source>Read a label…</source>
        <translation>识别标签…</translation>
    </message>
    <message>
        <source>Pick a part above.</source>
        <translation>请在上方选择配件。</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Override the charge decision</source>
        <translation>改判收费方式</translation>
    </message>
    <message>
        <source>Request from the warehouse</source>
        <translation>向仓库申请</translation>
    </message>
    <message>
        <source>Use part</source>
        <translation>使用配件</translation>
    </message>
    <message>
        <source>Why the rule&apos;s decision does not apply</source>
        <translation>不按规则判定的原因</translation>
    </message>
    <message>
        <source>Parts used on this job</source>
        <translation>本工单使用的配件</translation>
    </message>
    <message>
        <source>Parts requested</source>
        <translation>已申请的配件</translation>
    </message>
    <message>
        <source>warranty</source>
        <translation>三包</translation>
    </message>
    <message>
        <source>chargeable</source>
        <translation>收费</translation>
    </message>
    <message>
        <source>Override</source>
        <translation>改判原因</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>No part used yet.
Search or scan above, pick the part, and tap Use part.</source>
        <translation>还没有使用配件。
请在上方搜索或扫码，选择配件后点“使用配件”。</translation>
    </message>
    <message>
        <source>No part was used on this job.</source>
        <translation>本工单未使用配件。</translation>
    </message>
    <message>
        <source>approved automatically</source>
        <translation>已自动批准</translation>
    </message>
    <message>
        <source>%1, tracking number %2, shipped %3</source>
        <translation>%1，运单号 %2，%3 发货</translation>
    </message>
    <message>
        <source>Rejected: %1</source>
        <translation>已驳回：%1</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>已收货</translation>
    </message>
    <message>
        <source>Received into the van.</source>
        <translation>已收入服务车。</translation>
    </message>
    <message>
        <source>No part matches “%1”.
Check the number, or type part of the name or its pinyin initials.</source>
        <translation>没有与“%1”匹配的配件。
请核对编号，或输入部分名称或拼音首字母。</translation>
    </message>
    <message>
        <source>The parts catalogue is empty: sync to receive it.</source>
        <translation>配件目录为空：请同步以获取。</translation>
    </message>
    <message>
        <source>Charge it anyway</source>
        <translation>改为收费</translation>
    </message>
    <message>
        <source>Give it under warranty</source>
        <translation>改为三包</translation>
    </message>
    <message>
        <source>No part listed for this model matches: tap one in the list to use it.</source>
        <translation>没有匹配的本机型配件：请在列表中点选要使用的配件。</translation>
    </message>
    <message>
        <source>Photo of the part&apos;s label</source>
        <translation>配件标签照片</translation>
    </message>
    <message>
        <source>Reading the label…</source>
        <translation>正在识别标签…</translation>
    </message>
    <message>
        <source>No barcode could be read in this photo: take it closer and straight.</source>
        <translation>这张照片中识别不出条码：请靠近并正对标签拍摄。</translation>
    </message>
    <message>
        <source>This file is not a picture the app can read.</source>
        <translation>此文件不是本应用能读取的图片。</translation>
    </message>
    <message>
        <source>Pick a part first.</source>
        <translation>请先选择配件。</translation>
    </message>
    <message>
        <source>Only %1 on the van: request the rest from the warehouse.</source>
        <translation>车上库存只有 %1 件：其余请向仓库申请。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Requested. HQ receives it at the next sync.</source>
        <translation>已申请，下次同步时总部将收到。</translation>
    </message>
</context>
<context>
    <name>PhoneLinks</name>
    <message>
        <source>Text</source>
        <translation>发短信</translation>
    </message>
    <message>
        <source>Copy number</source>
        <translation>复制号码</translation>
    </message>
    <message>
        <source>Call %1</source>
        <translation>拨打 %1</translation>
    </message>
    <message>
        <source>No phone application on this device: copy the number.</source>
        <translation>本设备没有电话应用：请复制号码。</translation>
    </message>
    <message>
        <source>No messages application on this device: copy the number.</source>
        <translation>本设备没有短信应用：请复制号码。</translation>
    </message>
    <message>
        <source>Number copied.</source>
        <translation>号码已复制。</translation>
    </message>
</context>
<context>
    <name>PhotoPicker</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>PhotosTab</name>
    <message>
        <source>Tap a picture to add it to the job</source>
        <translation>点选照片即可添加到工单</translation>
    </message>
    <message>
        <source>Caption for the next photos (optional)</source>
        <translation>接下来照片的说明（可选）</translation>
    </message>
    <message>
        <source>Photos of this job</source>
        <translation>本工单的照片</translation>
    </message>
    <message>
        <source>Remove selected</source>
        <translation>删除所选</translation>
    </message>
    <message>
        <source>No photo of this job yet.
Take it with the camera, then tap it above.</source>
        <translation>本工单还没有照片。
请用相机拍照，再在上方点选。</translation>
    </message>
    <message>
        <source>No photo was taken on this job.</source>
        <translation>本工单没有拍照。</translation>
    </message>
    <message numerus="yes">
        <source>Processing %n photo(s)…</source>
        <translation>
            <numerusform>正在处理 %n 张照片…</numerusform>
        </translation>
    </message>
    <message>
        <source>Added to the job.</source>
        <translation>已添加到工单。</translation>
    </message>
    <message>
        <source>This file is not a picture the app can read.</source>
        <translation>此文件不是本应用能读取的图片。</translation>
    </message>
</context>
<context>
    <name>PreviewDialog</name>
    <message>
        <source>Report preview</source>
        <translation>报告预览</translation>
    </message>
    <message>
        <source>Smaller</source>
        <translation>缩小</translation>
    </message>
    <message>
        <source>Larger</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>ProblemsDialog</name>
    <message>
        <source>Sync: to look at</source>
        <translation>同步：待查看</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Changes HQ refused</source>
        <translation>总部拒收的修改</translation>
    </message>
    <message>
        <source>Open job</source>
        <translation>打开工单</translation>
    </message>
    <message>
        <source>Mark as read</source>
        <translation>标为已读</translation>
    </message>
    <message>
        <source>Nothing refused.</source>
        <translation>没有被拒收的修改。</translation>
    </message>
    <message>
        <source>Conflicts resolved by HQ</source>
        <translation>总部已处理的冲突</translation>
    </message>
    <message>
        <source>your value was kept</source>
        <translation>保留了您的数据</translation>
    </message>
    <message>
        <source>HQ&apos;s value was kept</source>
        <translation>保留了总部的数据</translation>
    </message>
    <message>
        <source>Yours: %1 · HQ: %2</source>
        <translation>您的：%1 · 总部：%2</translation>
    </message>
    <message>
        <source>No conflicts.</source>
        <translation>没有冲突。</translation>
    </message>
</context>
<context>
    <name>Reminders</name>
    <message>
        <source>%1 h service due at %2 h (now about %3 h)</source>
        <translation>%1 小时保养应在 %2 小时进行（当前约 %3 小时）</translation>
    </message>
    <message>
        <source>Maintenance due by date: %1</source>
        <translation>按日期应保养：%1</translation>
    </message>
    <message>
        <source>Free warranty ends on %1</source>
        <translation>免费三包期于 %1 结束</translation>
    </message>
    <message>
        <source>Declined repair: %1 — %2</source>
        <translation>拒修项目：%1 — %2</translation>
    </message>
    <message>
        <source>Overdue: </source>
        <translation>已超时：</translation>
    </message>
</context>
<context>
    <name>RemindersPage</name>
    <message>
        <source>The reminder</source>
        <translation>提醒内容</translation>
    </message>
    <message>
        <source>Make a job</source>
        <translation>生成工单</translation>
    </message>
    <message>
        <source>Why it is dismissed</source>
        <translation>忽略原因</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>忽略</translation>
    </message>
    <message>
        <source>Reminders</source>
        <translation>提醒</translation>
    </message>
    <message>
        <source>Customers to call back: %1</source>
        <translation>需回访客户：%1</translation>
    </message>
    <message>
        <source>No reminders due.</source>
        <translation>暂无到期提醒。</translation>
    </message>
    <message>
        <source>Danger if not repaired: %1</source>
        <translation>不修复的危害：%1</translation>
    </message>
    <message>
        <source>The user is not on this device.</source>
        <translation>本设备上没有该用户。</translation>
    </message>
</context>
<context>
    <name>Report</name>
    <message>
        <source>Field service report</source>
        <translation>现场服务报告单</translation>
    </message>
    <message>
        <source>Job number</source>
        <translation>工单号</translation>
    </message>
    <message>
        <source>Job type</source>
        <translation>服务类型</translation>
    </message>
    <message>
        <source>Engineer</source>
        <translation>服务工程师</translation>
    </message>
    <message>
        <source>Customer and machine</source>
        <translation>客户及设备信息</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户名称</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>机型</translation>
    </message>
    <message>
        <source>Serial number</source>
        <translation>出厂编号</translation>
    </message>
    <message>
        <source>Hour meter</source>
        <translation>工作小时</translation>
    </message>
    <message>
        <source>Reported symptom</source>
        <translation>故障现象</translation>
    </message>
    <message>
        <source>Customer&apos;s request</source>
        <translation>用户要求</translation>
    </message>
    <message>
        <source>Work done</source>
        <translation>服务过程</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Pre-inspection findings</source>
        <translation>预检发现</translation>
    </message>
    <message>
        <source>Component</source>
        <translation>部位</translation>
    </message>
    <message>
        <source>Finding</source>
        <translation>发现的问题</translation>
    </message>
    <message>
        <source>Fixed now</source>
        <translation>本次修复</translation>
    </message>
    <message>
        <source>Danger if not fixed</source>
        <translation>不修复的危害</translation>
    </message>
    <message>
        <source>Remaining life</source>
        <translation>预计剩余寿命</translation>
    </message>
    <message>
        <source>Checklist</source>
        <translation>检查表</translation>
    </message>
    <message>
        <source> (rev. %1)</source>
        <translation>（第 %1 版）</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>检查项目</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>photo taken</source>
        <translation>已拍照</translation>
    </message>
    <message>
        <source>Faults</source>
        <translation>故障记录</translation>
    </message>
    <message>
        <source>Assembly</source>
        <translation>总成</translation>
    </message>
    <message>
        <source>Fault code</source>
        <translation>故障代码</translation>
    </message>
    <message>
        <source>Symptom</source>
        <translation>故障现象</translation>
    </message>
    <message>
        <source>Cause</source>
        <translation>故障原因</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>处理措施</translation>
    </message>
    <message>
        <source>Fixed</source>
        <translation>是否排除</translation>
    </message>
    <message>
        <source>Repaired</source>
        <translation>维修方式</translation>
    </message>
    <message>
        <source>Loaner machine</source>
        <translation>周转机</translation>
    </message>
    <message>
        <source>Parts used</source>
        <translation>更换配件</translation>
    </message>
    <message>
        <source>Part number</source>
        <translation>配件编号</translation>
    </message>
    <message>
        <source>Part name</source>
        <translation>配件名称</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Unit price</source>
        <translation>单价</translation>
    </message>
    <message>
        <source>Charge</source>
        <translation>计费</translation>
    </message>
    <message>
        <source>Warranty</source>
        <translation>三包</translation>
    </message>
    <message>
        <source>Chargeable</source>
        <translation>收费</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>old part shown to the customer</source>
        <translation>旧件已向用户出示</translation>
    </message>
    <message>
        <source>Time spent</source>
        <translation>工时记录</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>Under warranty</source>
        <translation>其中三包</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 小时</translation>
    </message>
    <message>
        <source>Charges</source>
        <translation>费用</translation>
    </message>
    <message>
        <source>Parts (chargeable)</source>
        <translation>配件费（收费部分）</translation>
    </message>
    <message>
        <source>Labour and services</source>
        <translation>工时及服务费</translation>
    </message>
    <message>
        <source>Total amount</source>
        <translation>应收合计</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>现场照片</translation>
    </message>
    <message>
        <source>(photo not on this device)</source>
        <translation>（照片不在本设备上）</translation>
    </message>
    <message>
        <source>(photo cannot be shown)</source>
        <translation>（照片无法显示）</translation>
    </message>
    <message>
        <source>Customer confirmation</source>
        <translation>用户确认</translation>
    </message>
    <message>
        <source>By signing, the customer confirms the work, parts and charges above.</source>
        <translation>用户签字即确认以上服务内容、所用配件及费用属实。</translation>
    </message>
    <message>
        <source>Customer&apos;s opinion</source>
        <translation>用户意见</translation>
    </message>
    <message>
        <source>Satisfaction</source>
        <translation>满意度</translation>
    </message>
    <message>
        <source>Customer&apos;s signature</source>
        <translation>用户签字</translation>
    </message>
    <message>
        <source>(signature not on this device)</source>
        <translation>（签名不在本设备上）</translation>
    </message>
    <message>
        <source>Signed by</source>
        <translation>签字人</translation>
    </message>
    <message>
        <source>Signed at</source>
        <translation>签字时间</translation>
    </message>
    <message>
        <source>Amends report</source>
        <translation>修订自报告</translation>
    </message>
    <message>
        <source>Report hash (SHA-256)</source>
        <translation>报告校验码 (SHA-256)</translation>
    </message>
    <message>
        <source>Supervisor&apos;s approval</source>
        <translation>服务经理审核意见</translation>
    </message>
    <message>
        <source>Approved by</source>
        <translation>批准人</translation>
    </message>
    <message>
        <source>Approved at</source>
        <translation>批准时间</translation>
    </message>
    <message>
        <source>Supervisor&apos;s signature</source>
        <translation>服务经理签字</translation>
    </message>
    <message>
        <source>Scan to verify this report</source>
        <translation>扫码验证本报告</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Page %1 of %2</source>
        <translation>第 %1 页，共 %2 页</translation>
    </message>
    <message>
        <source>Service hotline</source>
        <translation>服务热线</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>服务行程</translation>
    </message>
    <message>
        <source>Left site</source>
        <translation>离场</translation>
    </message>
    <message>
        <source>Part or service</source>
        <translation>配件或服务</translation>
    </message>
    <message>
        <source>Quantity × rate</source>
        <translation>数量 × 单价</translation>
    </message>
    <message>
        <source>Charge basis</source>
        <translation>收费依据</translation>
    </message>
    <message>
        <source>Labour time</source>
        <translation>维修工时</translation>
    </message>
    <message>
        <source>Travel time</source>
        <translation>路途时间</translation>
    </message>
    <message>
        <source>%1 × %2</source>
        <translation>%1 × %2</translation>
    </message>
    <message>
        <source>%1 h × %2/h</source>
        <translation>%1 小时 × %2/时</translation>
    </message>
    <message>
        <source>Covered by the warranty (not charged)</source>
        <translation>属三包范围（不收费）</translation>
    </message>
    <message>
        <source>Engineer&apos;s signature</source>
        <translation>服务工程师签字</translation>
    </message>
    <message>
        <source>Incomplete, seen by the customer</source>
        <translation>未完成项（用户已知悉）</translation>
    </message>
    <message>
        <source>Incomplete, left by the engineer</source>
        <translation>未完成项（服务工程师暂不处理）</translation>
    </message>
    <message>
        <source>Engineer&apos;s reason</source>
        <translation>服务工程师说明</translation>
    </message>
    <message>
        <source>%1 (%2): %3</source>
        <translation>%1（%2）：%3</translation>
    </message>
    <message>
        <source>fieldapp %1</source>
        <translation>fieldapp %1</translation>
    </message>
    <message>
        <source>Within the warranty period</source>
        <translation>三包期内</translation>
    </message>
    <message>
        <source>Warranty expired</source>
        <translation>已过三包期</translation>
    </message>
    <message>
        <source>Consumable part</source>
        <translation>易损件</translation>
    </message>
    <message>
        <source>Misuse</source>
        <translation>使用不当</translation>
    </message>
    <message>
        <source>Scheduled maintenance</source>
        <translation>定期保养</translation>
    </message>
    <message>
        <source>Purchase date not known</source>
        <translation>购机日期不明</translation>
    </message>
    <message>
        <source>Not charged</source>
        <translation>不收费</translation>
    </message>
    <message>
        <source>Checklist not filled in</source>
        <translation>检查表未填写</translation>
    </message>
    <message>
        <source>Item not checked</source>
        <translation>项目未检查</translation>
    </message>
    <message>
        <source>No photo</source>
        <translation>缺少照片</translation>
    </message>
    <message>
        <source>Value out of range</source>
        <translation>数值超出范围</translation>
    </message>
    <message>
        <source>Check not passed</source>
        <translation>检查不合格</translation>
    </message>
    <message>
        <source>Not a number</source>
        <translation>非数字</translation>
    </message>
    <message>
        <source>Fault not fixed</source>
        <translation>故障未排除</translation>
    </message>
    <message>
        <source>No fault recorded</source>
        <translation>未记录故障</translation>
    </message>
    <message>
        <source>No labour time recorded</source>
        <translation>未记录维修工时</translation>
    </message>
    <message>
        <source>Customer copy</source>
        <translation>客户联</translation>
    </message>
    <message>
        <source>Company copy</source>
        <translation>公司联</translation>
    </message>
    <message>
        <source>Archive copy</source>
        <translation>存档联</translation>
    </message>
    <message>
        <source>Installation and commissioning</source>
        <translation>安装调试</translation>
    </message>
    <message>
        <source>Repair</source>
        <translation>故障维修</translation>
    </message>
    <message>
        <source>Periodic maintenance</source>
        <translation>定期保养</translation>
    </message>
    <message>
        <source>Inspection</source>
        <translation>巡检</translation>
    </message>
    <message>
        <source>Warranty claim</source>
        <translation>三包索赔</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>培训</translation>
    </message>
    <message>
        <source>Return visit</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Departed</source>
        <translation>出发</translation>
    </message>
    <message>
        <source>Arrived on site</source>
        <translation>到达现场</translation>
    </message>
    <message>
        <source>Left site unfinished</source>
        <translation>未完工离场</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>发动机</translation>
    </message>
    <message>
        <source>Hydraulic pump</source>
        <translation>液压泵</translation>
    </message>
    <message>
        <source>Hydraulic valve</source>
        <translation>液压阀</translation>
    </message>
    <message>
        <source>Hydraulic cylinder</source>
        <translation>液压油缸</translation>
    </message>
    <message>
        <source>Slewing</source>
        <translation>回转系统</translation>
    </message>
    <message>
        <source>Travel system</source>
        <translation>行走系统</translation>
    </message>
    <message>
        <source>Drive axle</source>
        <translation>驱动桥</translation>
    </message>
    <message>
        <source>Gearbox</source>
        <translation>变速箱</translation>
    </message>
    <message>
        <source>Undercarriage</source>
        <translation>底盘</translation>
    </message>
    <message>
        <source>Electrics</source>
        <translation>电气系统</translation>
    </message>
    <message>
        <source>Cab</source>
        <translation>驾驶室</translation>
    </message>
    <message>
        <source>Work equipment</source>
        <translation>工作装置</translation>
    </message>
    <message>
        <source>Boom and winch</source>
        <translation>臂架及卷扬</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>On site</source>
        <translation>现场维修</translation>
    </message>
    <message>
        <source>Taken to workshop</source>
        <translation>拉修</translation>
    </message>
    <message>
        <source>Pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>Fail</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>N/A</source>
        <translation>不适用</translation>
    </message>
    <message>
        <source>Labour</source>
        <translation>维修工时</translation>
    </message>
    <message>
        <source>Travel</source>
        <translation>路途时间</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>等待时间</translation>
    </message>
    <message>
        <source>Very satisfied</source>
        <translation>非常满意</translation>
    </message>
    <message>
        <source>Highly satisfied</source>
        <translation>很满意</translation>
    </message>
    <message>
        <source>Satisfied</source>
        <translation>满意</translation>
    </message>
    <message>
        <source>Dissatisfied</source>
        <translation>不满意</translation>
    </message>
</context>
<context>
    <name>ReportReview</name>
    <message>
        <source>Sync conflict</source>
        <translation>同步冲突</translation>
    </message>
    <message>
        <source>Value out of range</source>
        <translation>数值超出范围</translation>
    </message>
    <message>
        <source>Checklist failure</source>
        <translation>检查表不合格</translation>
    </message>
    <message>
        <source>Fault not fixed</source>
        <translation>故障未排除</translation>
    </message>
    <message>
        <source>Warranty overridden</source>
        <translation>三包判定被改动</translation>
    </message>
    <message>
        <source>No flag</source>
        <translation>无标记</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>等待</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>已退回</translation>
    </message>
    <message>
        <source>Resubmitted</source>
        <translation>已重新提交</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已审核</translation>
    </message>
    <message>
        <source>Signed by the customer</source>
        <translation>客户已签字</translation>
    </message>
    <message>
        <source>Corrected and signed again</source>
        <translation>已更正并重新签字</translation>
    </message>
    <message>
        <source>Returned for rework</source>
        <translation>退回返工</translation>
    </message>
    <message>
        <source>Faults</source>
        <translation>故障</translation>
    </message>
    <message>
        <source>Parts</source>
        <translation>配件</translation>
    </message>
    <message>
        <source>Charges</source>
        <translation>费用</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Checklists</source>
        <translation>检查表</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>工时</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Pre-inspection</source>
        <translation>预检</translation>
    </message>
    <message>
        <source>Sign-off</source>
        <translation>签字确认</translation>
    </message>
    <message>
        <source>Open items</source>
        <translation>待办事项</translation>
    </message>
    <message>
        <source>Machine</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Engineer</source>
        <translation>服务工程师</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>派工单</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>登记记录</translation>
    </message>
    <message>
        <source>Left site</source>
        <translation>离场时间</translation>
    </message>
    <message>
        <source>Letterhead</source>
        <translation>报告抬头</translation>
    </message>
</context>
<context>
    <name>ReportReviewView</name>
    <message>
        <source>Back to the list</source>
        <translation>返回列表</translation>
    </message>
    <message>
        <source>Changes from the previous revision</source>
        <translation>与上一修订版的差异</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>Return for rework</source>
        <translation>退回返工</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>批准</translation>
    </message>
    <message>
        <source>Checking the report…</source>
        <translation>正在校验服务报告…</translation>
    </message>
    <message>
        <source>Does not match what was signed</source>
        <translation>与签字内容不一致</translation>
    </message>
    <message>
        <source>The content no longer gives the signed hash.</source>
        <translation>报告内容的校验码与签字时不一致。</translation>
    </message>
    <message>
        <source>The sign-off names another signature than the content.</source>
        <translation>签字确认所对应的签名与报告内容不符。</translation>
    </message>
    <message>
        <source>A picture does not match its hash: %1</source>
        <translation>照片与其校验码不一致：%1</translation>
    </message>
    <message>
        <source>Photos or signature not arrived yet — sync</source>
        <translation>照片或签名尚未收到 — 请同步</translation>
    </message>
    <message numerus="yes">
        <source>%n picture(s) still to come.</source>
        <translation>
            <numerusform>还有 %n 张照片未收到。</numerusform>
        </translation>
    </message>
    <message>
        <source>Verified: as the customer signed</source>
        <translation>校验通过：与客户签字内容一致</translation>
    </message>
    <message>
        <source>Hash, signature and photos match; the work recorded agrees.</source>
        <translation>校验码、签名和照片均一致；记录的工作内容相符。</translation>
    </message>
    <message>
        <source>Hash, signature and photos match.</source>
        <translation>校验码、签名和照片均一致。</translation>
    </message>
    <message>
        <source>What the customer pays or what was done changed: they signed again.</source>
        <translation>客户付费内容或维修内容有变动：客户已重新签字。</translation>
    </message>
    <message>
        <source>Only the company&apos;s own records changed.</source>
        <translation>仅公司内部记录有变动。</translation>
    </message>
</context>
<context>
    <name>RescheduleDialog</name>
    <message>
        <source>New time agreed with the customer</source>
        <translation>与客户约定的新时间</translation>
    </message>
    <message>
        <source>New time</source>
        <translation>新时间</translation>
    </message>
    <message>
        <source>Why the time changes, as agreed with the customer</source>
        <translation>改约原因（已与客户商定）</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Please give a reason.</source>
        <translation>请填写原因。</translation>
    </message>
    <message>
        <source>The new time is in the past.</source>
        <translation>新时间早于当前时间。</translation>
    </message>
</context>
<context>
    <name>ReturnDialog</name>
    <message>
        <source>Return for rework</source>
        <translation>退回返工</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>What must the engineer correct?</source>
        <translation>工程师需要更正什么？</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message>
        <source>Write what must be corrected.</source>
        <translation>请填写需要更正的内容。</translation>
    </message>
</context>
<context>
    <name>ReviewQueue</name>
    <message>
        <source>Deadline met</source>
        <translation>按时完成</translation>
    </message>
    <message>
        <source>Deadline missed</source>
        <translation>已超时</translation>
    </message>
    <message>
        <source>No deadline</source>
        <translation>无时限</translation>
    </message>
    <message>
        <source>All under warranty</source>
        <translation>全部三包</translation>
    </message>
    <message>
        <source>Partly under warranty</source>
        <translation>部分三包</translation>
    </message>
    <message>
        <source>No warranty</source>
        <translation>非三包</translation>
    </message>
    <message>
        <source>Any time</source>
        <extracomment>The period filter: days back from today (None: any time).</extracomment>
        <translation>不限时间</translation>
    </message>
    <message>
        <source>Signed today</source>
        <translation>今天签字</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
</context>
<context>
    <name>ReviewQueuePage</name>
    <message>
        <source>Select clean reports</source>
        <translation>选择无问题的报告</translation>
    </message>
    <message>
        <source>Reports to review</source>
        <translation>待审核的服务报告</translation>
    </message>
    <message numerus="yes">
        <source>%n report(s)</source>
        <translation>
            <numerusform>%n 份服务报告</numerusform>
        </translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>All engineers</source>
        <translation>全部工程师</translation>
    </message>
    <message>
        <source>All job types</source>
        <translation>全部服务类型</translation>
    </message>
    <message>
        <source>Any deadline</source>
        <translation>不限时限</translation>
    </message>
    <message>
        <source>Any warranty share</source>
        <translation>不限三包比例</translation>
    </message>
    <message>
        <source>Any flags</source>
        <translation>不限标记</translation>
    </message>
    <message numerus="yes">
        <source>%n report(s) approved.</source>
        <translation>
            <numerusform>已批准 %n 份服务报告。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>标准</translation>
    </message>
    <message>
        <source>Large</source>
        <translation>大</translation>
    </message>
    <message>
        <source>Extra large</source>
        <translation>特大</translation>
    </message>
    <message>
        <source>Text size</source>
        <translation>文字大小</translation>
    </message>
    <message>
        <source>High contrast for sunlight (black on white)</source>
        <translation>强光高对比度（白底黑字）</translation>
    </message>
    <message>
        <source>Screen</source>
        <translation>屏幕显示</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
</context>
<context>
    <name>ShipDialog</name>
    <message>
        <source>Record the shipment</source>
        <translation>登记发货</translation>
    </message>
    <message>
        <source>e.g. SF Express</source>
        <translation>例如：顺丰速运</translation>
    </message>
    <message>
        <source>Carrier</source>
        <translation>承运方</translation>
    </message>
    <message>
        <source>Tracking number</source>
        <translation>运单号</translation>
    </message>
    <message>
        <source>Shipped on</source>
        <translation>发货日期</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Save shipment</source>
        <translation>保存发货信息</translation>
    </message>
    <message>
        <source>Enter the carrier and the tracking number.</source>
        <translation>请输入承运方和运单号。</translation>
    </message>
</context>
<context>
    <name>SignOffTab</name>
    <message>
        <source>Incomplete — go through this with the customer</source>
        <translation>未完成项 — 请与客户逐项确认</translation>
    </message>
    <message>
        <source>The customer has seen what is incomplete and signs anyway</source>
        <translation>客户已知悉未完成项，仍同意签字</translation>
    </message>
    <message>
        <source>What the customer signs for</source>
        <translation>客户签字确认的内容</translation>
    </message>
    <message>
        <source>Customer&apos;s signature</source>
        <translation>客户签字</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>The customer&apos;s opinion (optional)</source>
        <translation>客户意见（可选）</translation>
    </message>
    <message>
        <source>Satisfaction</source>
        <translation>满意度</translation>
    </message>
    <message>
        <source>Engineer&apos;s signature</source>
        <translation>服务工程师签字</translation>
    </message>
    <message>
        <source>Customer&apos;s e-mail</source>
        <translation>客户邮箱</translation>
    </message>
    <message>
        <source>Send by e-mail</source>
        <translation>发送邮件</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Undo stroke</source>
        <translation>撤销一笔</translation>
    </message>
    <message>
        <source>Redo stroke</source>
        <translation>恢复一笔</translation>
    </message>
    <message>
        <source>Report hash: %1</source>
        <translation>报告校验码：%1</translation>
    </message>
    <message>
        <source>%1: %2 → %3 (%4)</source>
        <translation>%1：%2 → %3（%4）</translation>
    </message>
    <message>
        <source>Settle your open items first, or say why they stay open.</source>
        <translation>请先处理待办事项，或说明暂不处理的原因。</translation>
    </message>
    <message>
        <source>Queued for %1: it is sent at the next sync.</source>
        <translation>已排队发往 %1：下次同步时发送。</translation>
    </message>
    <message>
        <source>sent %1</source>
        <translation>已于 %1 发送</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>发送失败：%1</translation>
    </message>
    <message>
        <source>queued until the next sync</source>
        <translation>等待下次同步时发送</translation>
    </message>
    <message>
        <source>Report e-mailed to %1 (%2): %3</source>
        <translation>报告邮件发往 %1（%2）：%3</translation>
    </message>
    <message>
        <source>Sign and close the report</source>
        <translation>客户签字并完成报告</translation>
    </message>
    <message>
        <source>Returned for rework</source>
        <translation>退回返工</translation>
    </message>
    <message>
        <source>Your open items — settle them before the customer signs</source>
        <translation>您的待办事项 — 请在客户签字前处理</translation>
    </message>
    <message>
        <source>Leave them open and say why…</source>
        <translation>暂不处理并说明原因…</translation>
    </message>
    <message>
        <source>Needs another visit</source>
        <translation>需要再次上门</translation>
    </message>
    <message>
        <source>Who signs the correction</source>
        <translation>由谁签字确认更正</translation>
    </message>
    <message>
        <source>Signed report</source>
        <translation>已签字报告</translation>
    </message>
    <message>
        <source>Report language</source>
        <translation>报告语言</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>Save PDF…</source>
        <translation>保存 PDF…</translation>
    </message>
    <message>
        <source>Signed by %1 on %2.</source>
        <translation>%1 于 %2 签字。</translation>
    </message>
    <message>
        <source>Returned by %1 on %2. Correct it, then sign it again.</source>
        <translation>%1 于 %2 退回。请更正后重新签字。</translation>
    </message>
    <message>
        <source>Nothing the customer pays for or had done has changed: their signature on the report they signed stands. Sign the correction yourself.</source>
        <translation>客户付费内容和维修内容均未变动：客户在原报告上的签字依然有效。请由您本人签字确认更正。</translation>
    </message>
    <message>
        <source>The correction changes what the customer signed for (%1 changes to what they pay or had done): the customer signs again.</source>
        <translation>此次更正改变了客户签字确认的内容（付费或维修内容有 %1 处变动）：需客户重新签字。</translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>等 %n 项</numerusform>
        </translation>
    </message>
    <message>
        <source>• &lt;b&gt;%1&lt;/b&gt; (%2): %3</source>
        <translation>• &lt;b&gt;%1&lt;/b&gt;（%2）：%3</translation>
    </message>
    <message>
        <source>What is incomplete has changed: go through it with the customer again.</source>
        <translation>未完成项有变化：请与客户重新逐项确认。</translation>
    </message>
    <message>
        <source>Something new is open: settle it, or say again why it stays open.</source>
        <translation>有新的待办事项：请处理，或重新说明暂不处理的原因。</translation>
    </message>
    <message>
        <source>Go there</source>
        <translation>前往处理</translation>
    </message>
    <message>
        <source>Left open, because: %1</source>
        <translation>暂不处理，原因：%1</translation>
    </message>
    <message>
        <source>Open items</source>
        <translation>待办事项</translation>
    </message>
    <message>
        <source>Why do these stay open? Your reason goes on the company copy of the report.</source>
        <translation>为什么暂不处理这些事项？您填写的原因将写入报告的公司联。</translation>
    </message>
    <message>
        <source>fixed</source>
        <translation>已排除</translation>
    </message>
    <message>
        <source>NOT fixed</source>
        <translation>未排除</translation>
    </message>
    <message>
        <source>Photos: %1</source>
        <translation>照片：%1 张</translation>
    </message>
    <message>
        <source>Go through what is incomplete with the customer first, then tick the box.</source>
        <translation>请先与客户逐项确认未完成项，再勾选此框。</translation>
    </message>
    <message>
        <source>Sign as the engineer too.</source>
        <translation>请您也以服务工程师身份签字。</translation>
    </message>
    <message>
        <source>Not signed yet: see the messages above.</source>
        <translation>尚未签字：请查看上方的提示。</translation>
    </message>
    <message>
        <source>Making the PDF report…</source>
        <translation>正在生成 PDF 报告…</translation>
    </message>
    <message>
        <source>Report ready: %1</source>
        <translation>报告已生成：%1</translation>
    </message>
    <message>
        <source>The report could not be made: %1</source>
        <translation>报告生成失败：%1</translation>
    </message>
    <message>
        <source>Save the report</source>
        <translation>保存报告</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>已保存到 %1</translation>
    </message>
</context>
<context>
    <name>SignatureDialog</name>
    <message>
        <source>Your signature</source>
        <translation>您的签名</translation>
    </message>
    <message>
        <source>Sign once. Your signature is kept on this device and printed on the company copy of every report you approve.</source>
        <translation>只需签一次。您的签名保存在本设备上，并打印在您批准的每份服务报告的公司联上。</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Keep and approve</source>
        <translation>保存并批准</translation>
    </message>
    <message>
        <source>Please sign in the box.</source>
        <translation>请在框内签名。</translation>
    </message>
</context>
<context>
    <name>SignaturePad</name>
    <message>
        <source>Sign here</source>
        <translation>请在此签字</translation>
    </message>
</context>
<context>
    <name>StoreProblemPage</name>
    <message>
        <source>The app&apos;s data folder is a file</source>
        <translation>应用的数据文件夹是一个文件</translation>
    </message>
    <message>
        <source>The app keeps its data in %1, but that is a file, not a folder. Nothing was changed. Ask IT to move that file away, then press Check again.</source>
        <translation>应用的数据保存在 %1，但它是一个文件，不是文件夹。没有做任何改动。请IT人员移走这个文件，然后点“重新检查”。</translation>
    </message>
    <message>
        <source>The app cannot write to its data folder</source>
        <translation>应用无法写入它的数据文件夹</translation>
    </message>
    <message>
        <source>The app keeps its data in %1, but it may not write there. Nothing was changed. Ask IT to give your account write access to this folder, then press Check again.</source>
        <translation>应用的数据保存在 %1，但没有写入权限。没有做任何改动。请IT人员为你的账户开通这个文件夹的写入权限，然后点“重新检查”。</translation>
    </message>
    <message>
        <source>This device&apos;s data is missing</source>
        <translation>本机数据丢失</translation>
    </message>
    <message>
        <source>This device is connected to HQ, but its data file %1 is missing or empty: work that was not yet synced cannot be found. Nothing was changed. If you have a copy of the file, quit and put it back, or ask support. Otherwise start again: connect to HQ with a new code and your jobs come back from HQ.</source>
        <translation>本机已连接总部，但数据文件 %1 不存在或为空：尚未同步的工作无法找到。没有做任何改动。如有该文件的备份，请退出后放回原处，或联系技术支持；否则请重新开始：用新的注册码连接总部，你的工单会从总部重新下载。</translation>
    </message>
    <message>
        <source>This data was made by a newer version of the app</source>
        <translation>这份数据由更新版本的应用生成</translation>
    </message>
    <message>
        <source>The data file %1 was made by a newer version of the app. It was not used or changed. Install the newer version again. If you cannot, save your work not yet synced to a file for support, and start again.</source>
        <translation>数据文件 %1 由更新版本的应用生成，未被使用，也未被改动。请重新安装新版本；如无法安装，请把尚未同步的工作保存到文件交给技术支持，然后重新开始。</translation>
    </message>
    <message>
        <source>The data file belongs to another program</source>
        <translation>这个数据文件属于其他程序</translation>
    </message>
    <message>
        <source>The file %1 is not this app&apos;s data. It was not used or changed. Save what can be read to a file for support, then start again: the file is kept aside and your jobs come back from HQ.</source>
        <translation>文件 %1 不是本应用的数据，未被使用，也未被改动。请把能读出的内容保存到文件交给技术支持，然后重新开始：该文件会另行保留，你的工单会从总部重新下载。</translation>
    </message>
    <message>
        <source>This device&apos;s data is damaged</source>
        <translation>本机数据已损坏</translation>
    </message>
    <message>
        <source>The data file %1 is damaged. It was not used or changed, and nothing was synced. Save your work not yet synced to a file for support, then start again: the damaged file is kept aside and your jobs come back from HQ.</source>
        <translation>数据文件 %1 已损坏，未被使用，也未被改动，没有进行同步。请把尚未同步的工作保存到文件交给技术支持，然后重新开始：损坏的文件会另行保留，你的工单会从总部重新下载。</translation>
    </message>
    <message>
        <source>For support: %1</source>
        <translation>供技术支持参考：%1</translation>
    </message>
    <message>
        <source>Save my unsynced work to a file</source>
        <translation>把未同步的工作保存到文件</translation>
    </message>
    <message>
        <source>Keep this file aside and start again</source>
        <translation>保留此文件并重新开始</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>重新检查</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Saved to %1 (changes not yet synced: %2). Send this file to support.</source>
        <translation>已保存到 %1（未同步的修改：%2 条）。请把这个文件交给技术支持。</translation>
    </message>
    <message>
        <source>Changes that could not be read: %1.</source>
        <translation>无法读出的修改：%1 条。</translation>
    </message>
    <message>
        <source>That did not work: %1. Nothing was changed.</source>
        <translation>操作未成功：%1。没有做任何改动。</translation>
    </message>
    <message>
        <source>Keeping the file aside…</source>
        <translation>正在另行保留文件…</translation>
    </message>
</context>
<context>
    <name>StoreProblemWindow</name>
    <message>
        <source>fieldapp — service jobs</source>
        <translation>fieldapp — 服务工单</translation>
    </message>
</context>
<context>
    <name>SupervisorDesk</name>
    <message>
        <source>Reports to review</source>
        <translation>待审核的服务报告</translation>
    </message>
    <message>
        <source>Dispatch board</source>
        <translation>派工看板</translation>
    </message>
    <message>
        <source>Parts requests</source>
        <translation>备件申请</translation>
    </message>
</context>
<context>
    <name>SyncIndicator</name>
    <message>
        <source>An update is available</source>
        <translation>有可用更新</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Sending changes</source>
        <translation>正在上传修改</translation>
    </message>
    <message>
        <source>Receiving</source>
        <translation>正在接收</translation>
    </message>
    <message>
        <source>Sending photos</source>
        <translation>正在上传照片</translation>
    </message>
    <message>
        <source>Receiving photos</source>
        <translation>正在下载照片</translation>
    </message>
    <message>
        <source>Checking</source>
        <translation>正在校验</translation>
    </message>
    <message>
        <source>Receiving the parts catalogue</source>
        <translation>正在接收配件目录</translation>
    </message>
    <message>
        <source>Offline: HQ cannot be reached. Your work is kept on this device.</source>
        <translation>离线：无法连接总部。您的工作已保存在本设备上。</translation>
    </message>
    <message>
        <source>This app is too old for HQ: ask IT for the update.</source>
        <translation>应用版本过旧，总部不再支持：请联系 IT 升级。</translation>
    </message>
    <message>
        <source>HQ no longer accepts this device: ask your supervisor.</source>
        <translation>总部已停用本设备：请联系服务经理。</translation>
    </message>
    <message>
        <source>This device is not enrolled with HQ.</source>
        <translation>本设备尚未在总部注册。</translation>
    </message>
    <message>
        <source>HQ&apos;s certificate is not the expected one: nothing was sent. Ask IT.</source>
        <translation>总部证书与预期不符：未发送任何数据。请联系 IT 人员。</translation>
    </message>
    <message>
        <source>Sync failed: %1</source>
        <translation>同步失败：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n change waiting.</source>
        <translation>
            <numerusform>%n 条修改待同步。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n changes waiting.</source>
        <translation>
            <numerusform>%n 条修改待同步。</numerusform>
        </translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Up to date (%1)</source>
        <translation>已是最新（%1）</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>从未同步</translation>
    </message>
    <message>
        <source>Ask IT to install version %1.</source>
        <translation>请联系 IT 人员安装 %1 版本。</translation>
    </message>
    <message numerus="yes">
        <source>%n to look at</source>
        <translation>
            <numerusform>%n 项待查看</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TimeTab</name>
    <message>
        <source>Travel from the departure register</source>
        <translation>按出发登记计算的路途时间</translation>
    </message>
    <message>
        <source>Labour timer</source>
        <translation>维修工时计时</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Stop and record</source>
        <translation>停止并记录</translation>
    </message>
    <message>
        <source>Add time</source>
        <translation>添加工时</translation>
    </message>
    <message>
        <source>min</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Time on this job</source>
        <translation>本工单工时</translation>
    </message>
    <message>
        <source>Labour %1 · travel %2</source>
        <translation>维修工时 %1 · 路途 %2</translation>
    </message>
    <message>
        <source>warranty: not charged</source>
        <translation>三包：不收费</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>No time recorded yet.
Start the labour timer when the work begins, or add the minutes above.</source>
        <translation>还没有记录工时。
开工时启动维修计时，或在上方添加分钟数。</translation>
    </message>
    <message>
        <source>No time was recorded.</source>
        <translation>未记录工时。</translation>
    </message>
    <message>
        <source>Departed %1, arrived %2: %3 on the road.</source>
        <translation>%1 出发，%2 到达：路途用时 %3。</translation>
    </message>
    <message>
        <source>Record %1 travel</source>
        <translation>记录路途时间 %1</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Start it when the work begins.</source>
        <translation>开工时启动计时。</translation>
    </message>
    <message>
        <source>Running since %1</source>
        <translation>计时中，开始于 %1</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Less than a minute: nothing was recorded.</source>
        <translation>不足 1 分钟：未记录。</translation>
    </message>
</context>
<context>
    <name>Widgets</name>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分钟</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 小时</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>no deadline</source>
        <translation>无时限</translation>
    </message>
    <message>
        <source>%1 days</source>
        <translation>%1 天</translation>
    </message>
    <message>
        <source>%1 late</source>
        <translation>超时 %1</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>arrived on time</source>
        <translation>准时到达</translation>
    </message>
    <message>
        <source>arrived %1 late</source>
        <translation>迟到 %1</translation>
    </message>
    <message>
        <source>Please give a reason.</source>
        <translation>请填写原因。</translation>
    </message>
</context>
</TS>
